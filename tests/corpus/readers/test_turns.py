"""Speaker-turn parsing and role assignment: the conventions researchers' transcripts use."""

from __future__ import annotations

import pytest
from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.readers.turns import (
    DEFAULT_INTERVIEWER_LABELS,
    DEFAULT_PARTICIPANT_LABELS,
    assign_roles,
    match_label,
    normalise_label,
    parse_clock,
    parse_turns,
)
from hypothesis import given, settings
from hypothesis import strategies as st


def check_offsets(text, turns):
    for turn in turns:
        assert text[turn.char_start : turn.char_end] == turn.text
    return turns


def speakers_and_texts(text, **kwargs):
    return [(t.speaker, t.text) for t in check_offsets(text, parse_turns(text, **kwargs))]


@pytest.mark.parametrize(
    "label",
    [
        "Interviewer",
        "Interviewer 1",
        "Int2",
        "I",
        "R",
        "P01",
        "Participant 3",
        "Respondent",
        "D",
        "P",
        "Doctor",
        "Patient",
        "Moderator",
        "Facilitator",
        "Researcher",
        "Interviewee",
        "interviewer",
        "int",
        "i",
        "p01",
        "participant 3",
        "INTERVIEWER",
    ],
)
def test_known_labels_start_a_turn_even_once(label):
    text = f"Some preamble line\n{label}: what I said\nand a second line"
    assert speakers_and_texts(text) == [
        (None, "Some preamble line"),
        (label, "what I said\nand a second line"),
    ]


def test_alternating_turns_with_continuation_lines_kept_verbatim():
    text = "I: How was it?\n\nR: It was fine.\n  Really fine,   honestly.\n\nI: Good.\n"
    assert speakers_and_texts(text) == [
        ("I", "How was it?"),
        ("R", "It was fine.\n  Really fine,   honestly."),
        ("I", "Good."),
    ]


@pytest.mark.parametrize(
    ("line", "speaker", "start_s"),
    [
        ("[00:12:34] P01: hello", "P01", 754.0),
        ("(00:12:34) P01: hello", "P01", 754.0),
        ("#00:00:44-0# Sarah: hello", "Sarah", 44.0),
        ("#00:01:02-5# I: hello", "I", 62.5),
        ("00:03:40.5 Sarah: hello", "Sarah", 220.5),
        ("[12:34] Interviewer: hello", "Interviewer", 754.0),
        ("[01:00:00.250] R: hello", "R", 3600.25),
    ],
)
def test_leading_timestamps_give_start_seconds(line, speaker, start_s):
    (turn,) = check_offsets(line, parse_turns(line))
    assert (turn.speaker, turn.text, turn.start_s, turn.end_s) == (speaker, "hello", start_s, None)


def test_end_is_the_next_timestamped_turns_start():
    text = "[00:00:05] I: one\n[00:00:09] P01: two\nI: three\n[00:00:30] P01: four"
    turns = check_offsets(text, parse_turns(text))
    assert [(t.start_s, t.end_s) for t in turns] == [(5.0, 9.0), (9.0, None), (None, None), (30.0, None)]


@pytest.mark.parametrize(
    "text",
    [
        "**Interviewer:** How did you find it?\n**P01**: Fine.",
        "__Interviewer:__ How did you find it?\n__P01__: Fine.",
    ],
)
def test_bold_markdown_labels(text):
    assert speakers_and_texts(text) == [("Interviewer", "How did you find it?"), ("P01", "Fine.")]


def test_unbalanced_bold_is_not_a_label():
    text = "**Interviewer: How did you find it?"
    assert speakers_and_texts(text) == [(None, text)]


def test_personal_names_are_speakers_when_they_recur():
    text = "Sarah: Hello.\nDr Patel: Hi, thanks for coming.\nSarah: No problem.\nDr Patel: Right."
    assert [s for s, _ in speakers_and_texts(text)] == ["Sarah", "Dr Patel", "Sarah", "Dr Patel"]


@pytest.mark.parametrize(
    "line",
    [
        "Note: the recording stopped here",
        "Time: 14:00",
        "e.g.: this one",
        "So I said: no way",
        "And then she told me: go home",
        "Remember: always ask",
        "http://example.org",
        "D:\\data\\file.txt is where it lives",
    ],
)
def test_phrases_with_colons_are_not_speakers(line):
    text = f"I: Tell me more.\nP: Well.\n{line}\nP: yes"
    turns = speakers_and_texts(text)
    assert [s for s, _ in turns] == ["I", "P", "P"]
    assert turns[1][1] == f"Well.\n{line}"


@pytest.mark.parametrize("header", ["Note", "Interview Date", "Participant ID", "Time"])
def test_recurring_headers_are_still_not_speakers(header):
    text = f"{header}: one\nI: hi\n{header}: two\nP: ok\n{header}: three"
    assert [s for s, _ in speakers_and_texts(text)] == [None, "I", "P"]


def test_unknown_label_with_timestamp_counts_once():
    text = "[00:00:01] Sarah: Hi, I'm the researcher.\n[00:00:04] P: Hello."
    assert [s for s, _ in speakers_and_texts(text)] == ["Sarah", "P"]


def test_unknown_name_once_without_timestamp_is_text():
    text = "Sarah: Hi, I'm the researcher."
    assert speakers_and_texts(text) == [(None, text)]


def test_user_labels_are_accepted_once_and_by_stem():
    text = "sarah 2: Hi there\nP: hello"
    assert [s for s, _ in speakers_and_texts(text, labels=["Sarah"])] == ["sarah 2", "P"]


def test_no_labels_is_one_unlabelled_turn():
    text = "\n\nI went to A&E last week and waited four hours.\nThe nurse was kind.\n\n"
    (turn,) = check_offsets(text, parse_turns(text))
    assert turn.speaker is None
    assert turn.text == "I went to A&E last week and waited four hours.\nThe nurse was kind."


def test_empty_turns_are_dropped():
    text = "I:\nP: ...\nI: So?\nP:   \nP: Yes."
    assert speakers_and_texts(text) == [("I", "So?"), ("P", "Yes.")]


def test_label_on_its_own_line_takes_the_following_lines():
    text = "Interviewer:\nHow are you?\nParticipant:\nGood."
    assert speakers_and_texts(text) == [("Interviewer", "How are you?"), ("Participant", "Good.")]


def test_redaction_markers_stay_as_written():
    text = (
        "I: Which ward was it?\n"
        "P: [HOSPITAL], ward 4. [NAME] was there [laughs].\n"
        "[inaudible 00:12:34] and then we left.\n"
        "[NAME]: this is not a label"
    )
    turns = speakers_and_texts(text)
    assert turns == [
        ("I", "Which ward was it?"),
        (
            "P",
            "[HOSPITAL], ward 4. [NAME] was there [laughs].\n[inaudible 00:12:34] and then we left.\n"
            "[NAME]: this is not a label",
        ),
    ]
    assert all(t.start_s is None for t in parse_turns(text))


def test_labels_differing_only_in_case_take_the_usual_spelling():
    text = "D: a\nP: b\nD: c\np: d\nP: e\nD : f"
    assert [s for s, _ in speakers_and_texts(text)] == ["D", "P", "D", "P", "P", "D"]


def test_no_space_after_colon_and_doubled_colons_as_in_real_transcripts():
    text = "D:OK, how about smoking?\nP:: No."
    assert speakers_and_texts(text) == [("D", "OK, how about smoking?"), ("P", "No.")]


def test_markdown_headings_stay_in_the_current_turn():
    text = "# Interview 4\n\nI: Hello\n## Part two\nP: Hi"
    assert speakers_and_texts(text) == [(None, "# Interview 4"), ("I", "Hello\n## Part two"), ("P", "Hi")]


TEAMS = """Interview about online feedback (fictional)
Sarah Jones   0:03
Thanks for joining. How did it go?

Speaker 2   0:10
It was fine, really.
The ward was busy.
Sarah Jones   1:02:03
And then?
Speaker 2   1:02:09
Nothing more.
"""


def test_teams_and_otter_speaker_lines_take_the_words_below_them():
    turns = parse_turns(TEAMS)
    assert [(t.speaker, t.start_s, t.end_s) for t in turns] == [
        (None, None, None),
        ("Sarah Jones", 3.0, 10.0),
        ("Speaker 2", 10.0, 3723.0),
        ("Sarah Jones", 3723.0, 3729.0),
        ("Speaker 2", 3729.0, None),
    ]
    assert turns[2].text == "It was fine, really.\nThe ward was busy."
    assert all(TEAMS[t.char_start : t.char_end] == t.text for t in turns)


def test_a_name_and_time_line_that_does_not_recur_is_text():
    text = "P01: We met at the clinic.\nWard 5 10:30\nthat was the appointment."
    assert [t.speaker for t in parse_turns(text)] == ["P01"]
    assert parse_turns("Interviewer 0:03\nHello there.")[0].speaker == "Interviewer"  # known: once is enough


def test_a_bracketed_note_after_a_label_names_who_spoke():
    text = (
        "Interviewer (JS): How did you give feedback?\n"
        "Participant (P03): Online, on the website.\n"
        "Interviewer (JS): And then?\n"
        "Results (see below): nothing came back.\n"
    )
    turns = parse_turns(text)
    assert [t.speaker for t in turns] == ["Interviewer (JS)", "Participant (P03)", "Interviewer (JS)"]
    assert turns[-1].text == "And then?\nResults (see below): nothing came back."  # once, unknown: text
    assert assign_roles([t.speaker for t in turns]) == {
        "Interviewer (JS)": "interviewer", "Participant (P03)": "participant"
    }
    assert normalise_label("Interviewer (JS)") == "interviewer"


def test_match_label_reports_position_and_knownness():
    match = match_label("  [00:01:00] Sarah Jones: hi")
    assert (match.label, match.start_s, match.known) == ("Sarah Jones", 60.0, False)
    assert "  [00:01:00] Sarah Jones: hi"[match.body_start :] == " hi"
    assert match_label("Interviewer 2: hi").known
    assert match_label("no label here") is None


@pytest.mark.parametrize(
    ("stamp", "seconds"),
    [
        ("00:00:44-0", 44.0),
        ("1:02:03", 3723.0),
        ("02:03", 123.0),
        ("00:03:40.5", 220.5),
        ("00:00:01,250", 1.25),
    ],
)
def test_parse_clock(stamp, seconds):
    assert parse_clock(stamp) == pytest.approx(seconds)


# -- the invariant on generated transcripts -------------------------------------------------------

_labels = st.sampled_from(
    ["I", "P", "Interviewer 1", "P01", "Sarah", "Dr Patel", "int", "**Interviewer:**", "Note", "[NAME]",
     "Interviewer (JS)", "Dr Patel (GP)"]
)
_stamps = st.sampled_from(
    ["", "[00:12:34] ", "#00:00:44-0# ", "00:03:40.5 ", "(01:02) ", "[inaudible 00:01:02] "]
)
_words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
_separators = st.sampled_from(["\n", "\n\n", "\n  ", " \n\t"])


@st.composite
def transcripts(draw):
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        if draw(st.integers(0, 4)) == 0:  # a Teams/Otter speaker line, the words below it
            parts.append(draw(st.sampled_from(["Sarah Jones   0:03", "Speaker 2  01:02:09", "P 0:10"])))
            parts.append(draw(_separators) + draw(_words))
            parts.append(draw(_separators))
            continue
        label = draw(_labels)
        label = label if label.endswith(":**") else f"{label}:"
        parts.append(draw(_stamps) + (label if draw(st.booleans()) else "") + " " + draw(_words))
        parts.append(draw(_separators))
    return "".join(parts)


@settings(max_examples=150, deadline=None)
@given(transcripts())
def test_every_turn_is_a_trimmed_slice_of_the_document(text):
    turns = parse_turns(text)
    previous_end = 0
    for turn in turns:
        assert text[turn.char_start : turn.char_end] == turn.text
        assert turn.text == turn.text.strip() and turn.text
        assert any(ch.isalnum() for ch in turn.text)
        assert turn.char_start >= previous_end  # in order, never overlapping
        previous_end = turn.char_end


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_invariant_holds_on_arbitrary_text(text):
    for turn in parse_turns(text):
        assert text[turn.char_start : turn.char_end] == turn.text


# -- roles ------------------------------------------------------------------------------------------


def test_default_roles_cover_the_usual_labels():
    labels = [
        "Interviewer 1",
        "Int2",
        "INT",
        "I",
        "Moderator",
        "Facilitator",
        "Researcher",
        "Doctor",
        "Dr",
        "D",
        "Q",
    ]
    assert set(assign_roles(labels).values()) == {"interviewer"}
    labels = ["Participant 3", "P01", "p", "R", "Respondent", "Patient", "Interviewee", "Pt", "A"]
    assert set(assign_roles(labels).values()) == {"participant"}
    assert {label.casefold() for label in DEFAULT_INTERVIEWER_LABELS} >= {"interviewer", "doctor", "d"}
    assert {label.casefold() for label in DEFAULT_PARTICIPANT_LABELS} >= {"participant", "p", "patient"}


def test_single_unknown_label_beside_an_interviewer_is_the_participant():
    assert assign_roles(["Interviewer", "Sarah", "Interviewer"]) == {
        "Interviewer": "interviewer",
        "Sarah": "participant",
    }


def test_several_unknown_labels_are_other():
    roles = assign_roles(["Interviewer", "Sarah", "Tom", "P01"])
    assert roles == {"Interviewer": "interviewer", "Sarah": "other", "Tom": "other", "P01": "participant"}


def test_unknown_labels_without_an_interviewer_are_other():
    assert assign_roles(["Sarah", "Tom"]) == {"Sarah": "other", "Tom": "other"}
    assert assign_roles(["Sarah"]) == {"Sarah": "other"}


def test_user_lists_override_defaults():
    roles = assign_roles(
        ["Doctor", "Interviewer", "Sarah 1"], interviewers=["sarah"], participants=["Doctor"]
    )
    assert roles == {"Doctor": "participant", "Interviewer": "interviewer", "Sarah 1": "interviewer"}


def test_unlabelled_text_is_the_participants_own_words():
    assert assign_roles([None]) == {None: "participant"}
    assert assign_roles([None, "I", "P"]) == {None: "other", "I": "interviewer", "P": "participant"}


def test_a_label_in_both_user_lists_is_a_usage_error():
    with pytest.raises(UsageError, match="'Sarah' is given both as an interviewer and as a participant"):
        assign_roles(["Sarah"], interviewers=["Sarah"], participants=["sarah"])
