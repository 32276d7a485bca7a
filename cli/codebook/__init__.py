"""`feedcare codebook`: inspect a codebook, align it with a run, report a guided run per code."""
