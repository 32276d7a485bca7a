"""Planted identifiers and look-alikes shared by the identifier and redaction tests."""

NAMES = ("Jen", "Mary Ann", "O'Brien")

# (kind, the identifier as planted, the sentence it is planted in)
PLANTED = [
    # e-mail
    ("email", "jane.doe@nhs.net", "You can email me at jane.doe@nhs.net if you like."),
    ("email", "J.Smith+clinic@example.co.uk", "Write to J.Smith+clinic@example.co.uk."),
    ("email", "bob_99@mail.example.org", "(bob_99@mail.example.org) is my old address"),
    # UK phone numbers: mobile, landlines 01/02/03, +44 and 0044 forms, spaces/dashes/brackets
    ("phone", "07700 900123", "Ring me on 07700 900123 any time."),
    ("phone", "07700900123", "my mobile is 07700900123."),
    ("phone", "07700-900-123", "text 07700-900-123 please"),
    ("phone", "(020) 7946 0958", "The ward is on (020) 7946 0958, ask for Sam."),
    ("phone", "020 7946 0958", "call 020 7946 0958"),
    ("phone", "0161 496 0000", "The clinic number is 0161 496 0000."),
    ("phone", "01632 960123", "home phone 01632 960123"),
    ("phone", "(01632) 960 123", "landline (01632) 960 123."),
    ("phone", "0306 999 0000", "the helpline 0306 999 0000 was engaged"),
    ("phone", "+44 7700 900123", "From abroad it is +44 7700 900123."),
    ("phone", "+44 (0)7700 900 123", "or +44 (0)7700 900 123 on the card"),
    ("phone", "+447700900123", "WhatsApp +447700900123"),
    ("phone", "0044 20 7946 0958", "dial 0044 20 7946 0958 from France"),
    # the forms the audit missed (issue 14, #6): no space after a label's colon, Word's
    # non-breaking, thin and narrow spaces and non-breaking hyphens, dots between the groups
    ("phone", "07700 900123", "Tel:07700 900123 (mobile)"),
    ("phone", "07700\u00a0900123", "mobile 07700\u00a0900123 as Word joined it"),
    ("phone", "0161\u2009496\u20090000", "clinic 0161\u2009496\u20090000 with thin spaces"),
    ("phone", "07700.900.123", "or 07700.900.123 with dots"),
    ("phone", "07700\u2011900\u2011123", "texts to 07700\u2011900\u2011123 please"),
    ("nhs_number", "943 476 5919", "NHS:943 476 5919 on the letter"),
    ("nhs_number", "943\u202f476\u202f5919", "NHS no 943\u202f476\u202f5919 typed in Word"),
    ("nhs_number", "472.136.2544", "number 472.136.2544 on the form"),
    # NHS numbers: 3-3-4 with spaces or dashes, or plain; all pass the modulus-11 check
    ("nhs_number", "943 476 5919", "My NHS number is 943 476 5919."),
    ("nhs_number", "472-136-2544", "NHS no. 472-136-2544 on the letter"),
    ("nhs_number", "7055890012", "the number 7055890012 was on the form"),
    # UK postcodes
    ("postcode", "SW1A 1AA", "We live near SW1A 1AA, by the park."),
    ("postcode", "M1 1AE", "The surgery at M1 1AE closed."),
    ("postcode", "B33 8TH", "postcode B33 8TH"),
    ("postcode", "CR2 6XH", "moved to CR2 6XH last year"),
    ("postcode", "DN55 1PT", "send it to DN55 1PT"),
    ("postcode", "EC1A1BB", "EC1A1BB on the envelope"),
    ("postcode", "ls1 4ap", "just type ls1 4ap into the satnav"),
    # URLs and social media handles
    ("url", "https://www.facebook.com/jane.smith.123", "see https://www.facebook.com/jane.smith.123."),
    ("url", "www.janesblog.co.uk", "I write about it on www.janesblog.co.uk"),
    ("url", "http://example.org/profile?id=42", "(http://example.org/profile?id=42)"),
    ("url", "instagram.com/jane_s", "photos at instagram.com/jane_s, if you want"),
    ("handle", "@jane_smith", "follow me @jane_smith on Twitter"),
    ("handle", "@NHSEngland", "they tweeted @NHSEngland about it"),
    # dates that look like dates of birth: a full date with a past year, or "born on ..."
    ("date", "12/03/1985", "Date of birth 12/03/1985."),
    ("date", "3/4/85", "born 3/4/85 in Leeds"),
    ("date", "12-03-85", "DOB 12-03-85"),
    ("date", "12.03.1985", "12.03.1985 is on the wristband"),
    ("date", "1985-03-12", "stored as 1985-03-12 in the system"),
    ("date", "3 March 1985", "I was born 3 March 1985."),
    ("date", "3rd of March, 1985", "on the 3rd of March, 1985 I arrived"),
    ("date", "March 3rd 1985", "since March 3rd 1985"),
    ("date", "21 Sept 1990", "she was born 21 Sept 1990"),
    ("date", "14th July", "I was born on the 14th July at home"),
    ("date", "14/07", "DOB: 14/07 and I'm 38"),
    ("date", "June 1970", "born in June 1970"),
    # National Insurance numbers
    ("ni_number", "AB123456C", "NI number AB123456C."),
    ("ni_number", "JG 10 37 79 A", "it's JG 10 37 79 A on my payslip"),
    ("ni_number", "ce 12 34 56 d", "written ce 12 34 56 d on the form"),
    # names from the user list (case-insensitive, whole words)
    ("name", "Jen", "How old are you, Jen?"),
    ("name", "JEN", "JEN said it hurt"),
    ("name", "Mary Ann", "my daughter Mary Ann came"),
    ("name", "O’Brien", "Dr O’Brien saw me"),
]

# Look-alikes that must NOT be flagged, grouped by what they are.
LOOKALIKES = [
    # times
    "The appointment is at 10:30.", "We start at 14.45 sharp.", "At 10.30am I took it.",
    "see you @ 3pm", "meet @3pm", "[00:12:34] Interviewer: hello", "It lasted 00:12:34 in total.",
    # drug doses and measurements
    "500mg twice a day", "2 x 5 ml spoons", "0.5ml of insulin", "paracetamol 1g 4 times daily",
    "temperature 38.7, BP 120/80", "HbA1C 48 mmol/mol", "10 mg/kg/day",
    # room, ward and bed numbers
    "Go to room 12.", "ward 7B on level 3", "bed 14 in bay 2", "the B1 2nd floor office",
    "Ward b1 1st floor", "clinic room 3 on the M1 corridor",
    # years and partial dates without birth context
    "It was 1985.", "in 2019 I moved", "born in 1985", "back in the 80s",
    "come back on 3 March", "next appointment 12/03", "seen on 12/03/2099 next",
    "between 2-3-10 times", "a 15-20 minute wait", "score 3/4/5",
    # money, percentages and counts
    "it cost £1,200", "£1200.50 for the lot", "about 45% of the time", "1,234,567 people",
    # ordinary long numbers, invalid NHS numbers, phone-like strings that are not phones
    "reference 12345678901", "case 20231104", "my number was 943 476 5910",
    "NHS number 123 456 7890", "order 4721362545 arrived", "code 7055890013",
    "0800 123 4567 is free", "version 1.2.3", "01 02 2003 was the date on it",
    # the same look-alikes with Word's spaces and dots, and numbers glued to other numbers
    "my number was 943\u00a0476\u00a05910", "reference 1234\u00a05678\u00a0901",
    "the score was 3.0161 496 0007", "a ratio of 1:07700 900456", "0800\u00a0123\u00a04567 is free",
    # not e-mails, handles or URLs
    "I was @home all day", "and/or", "e.g. the nhs.uk website", "Fish & chips",
    # not NI numbers (invalid prefixes) and not postcodes (no such area)
    "QQ123456C", "GB123456A", "the A4 paper", "COVID-19 in 2020",
    # redaction markers and what is inside them
    "[NAME] said [REDACTED] at [HOSPITAL]", "<name> told <NAME>", "[inaudible 00:12:34]",
    "[Participant 3] arrived", "[PHONE] and [NHS_NUMBER]",
]
