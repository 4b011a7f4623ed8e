package minutes

// Words is the status as a secretary reads it.
func (s Status) Words() string {
	switch s {
	case StatusLate:
		return "late"
	case StatusLeftEarly:
		return "left early"
	case StatusAbsent:
		return "absent"
	}
	return "present"
}

// Mark is a symbol for the status, so that the roll call still reads at a
// glance on a black-and-white printout, where its colours do not.
func (s Status) Mark() string {
	switch s {
	case StatusLate:
		return "◔"
	case StatusLeftEarly:
		return "⇥"
	case StatusAbsent:
		return "✗"
	}
	return "✓"
}

// statuses in the order the minutes count them.
var statuses = []Status{StatusPresent, StatusLate, StatusLeftEarly, StatusAbsent}

// silenceWords says why a connected room sent nothing, from the reason of
// its audio_stopped.
func silenceWords(reason string) string {
	switch reason {
	case "no_packets":
		return "sent no audio"
	case "digital_silence":
		return "sent only silence"
	case "muted":
		return "muted"
	}
	return "no audio"
}
