package bot

import "errors"

// Refusal is the workflow saying no: the person asked for something the
// process does not allow (a stage, a right, a malformed argument). Text says
// why, in the words of locales/.
type Refusal struct {
	Text Text
}

func (r *Refusal) Error() string { return "refused: " + r.Text.ID }

// refuse returns a Refusal with message id and its arguments.
func refuse(id string, kv ...any) error { return &Refusal{Text: T(id, kv...)} }

// AsRefusal reports whether err is a Refusal and returns it.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}
