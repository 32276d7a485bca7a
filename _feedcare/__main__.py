from feedcare.cli import main

main()
