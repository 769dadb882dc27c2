package bot

import "errors"

// Refusal is the workflow saying no: the person asked for something the
// process does not allow (a stage, a right, a malformed argument). Text says
// why, in the words of locales/; Kind says what sort of no it is, for an
// adapter that answers in its own terms (an HTTP status, a dialog's field).
type Refusal struct {
	Kind RefusalKind
	Text Text
	// Field names the form field the refusal is about, if any.
	Field string
}

// RefusalKind is what sort of no a Refusal is.
type RefusalKind int

// The kinds of refusal.
const (
	// NotNow: the process does not allow it in the case's stage or state.
	NotNow RefusalKind = iota
	// NoSuch: what was named (a case, a link) does not exist.
	NoSuch
	// NotYours: the person's roles, or their part in the case, do not
	// allow it.
	NotYours
	// Malformed: an argument is missing, unknown, malformed or too long.
	Malformed
	// TooMany: a limit on how much or how often was reached.
	TooMany
)

func (r *Refusal) Error() string { return "refused: " + r.Text.ID }

// refuse returns a Refusal of kind with message id and its arguments.
func refuse(kind RefusalKind, id string, kv ...any) error {
	return &Refusal{Kind: kind, Text: T(id, kv...)}
}

// AsRefusal reports whether err is a Refusal and returns it.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}
