package bot

import "time"

// Text is something a person reads, named by its message ID in locales/ and
// completed by its arguments. The core never renders text: adapters do, in
// the reader's language, with their platform's markup. When ID is empty the
// text is Quote, words a person wrote, shown as they are (escaped by the
// renderer so they cannot break the markup or ping anyone).
type Text struct {
	ID    string         `json:"id,omitempty"`
	Args  map[string]Arg `json:"args,omitempty"`
	Count *int           `json:"count,omitempty"` // picks the plural form
	Quote string         `json:"quote,omitempty"`
}

// T builds a Text from a message ID and alternating names and values:
// T("card.title", "id", C("#12"), "title", S(title)).
func T(id string, kv ...any) Text {
	t := Text{ID: id}
	for i := 0; i+1 < len(kv); i += 2 {
		if t.Args == nil {
			t.Args = make(map[string]Arg, len(kv)/2)
		}
		t.Args[kv[i].(string)] = kv[i+1].(Arg)
	}
	return t
}

// Plural returns t with the count that picks its plural form; the count is
// also available to the message as {{.Count}}.
func (t Text) Plural(n int) Text {
	t.Count = &n
	if t.Args == nil {
		t.Args = map[string]Arg{}
	}
	t.Args["Count"] = N(n)
	return t
}

// Quoted is a Text made of a person's own words.
func Quoted(s string) Text { return Text{Quote: s} }

// IsZero reports whether t is empty.
func (t Text) IsZero() bool { return t.ID == "" && t.Quote == "" }

// Arg is one argument of a Text. Exactly one field is set. The kind of the
// argument tells the renderer what to do with it: user text is escaped,
// numbers and times are formatted for the reader's locale, people become
// the platform's mention or name, nested texts are localized in turn.
type Arg struct {
	Str    string     `json:"s,omitempty"` // words a person wrote: escaped
	Code   string     `json:"c,omitempty"` // trusted literal: an emoji, a URL from the config
	Cmd    string     `json:"k,omitempty"` // a helpdesk command without "/helpdesk": "take #3"
	Num    *int64     `json:"n,omitempty"`
	Time   *time.Time `json:"t,omitempty"`
	Person *Person    `json:"p,omitempty"`
	Text   *Text      `json:"x,omitempty"`
	List   []Text     `json:"l,omitempty"` // joined as a list
	Lang   string     `json:"g,omitempty"` // a language tag, named in the reader's language
}

// S is user text.
func S(s string) Arg { return Arg{Str: s} }

// C is a trusted literal shown verbatim: a command name, an emoji.
func C(s string) Arg { return Arg{Code: s} }

// Cmd is one of the helpdesk's commands as a person types it, without the
// "/helpdesk" ("take #3", "digest on|off"): each platform shows it as it
// is typed there ("/helpdesk take #3", or "/case take #3" where casework
// has a command of its own).
func Cmd(line string) Arg { return Arg{Cmd: line} }

// Lang is a language, by its BCP 47 tag, named in the reader's language
// as a sentence writes it ("Swedish", "svenska", "ruotsi").
func Lang(tag string) Arg { return Arg{Lang: tag} }

// N is a number.
func N[I ~int | ~int64](n I) Arg { v := int64(n); return Arg{Num: &v} }

// At is a moment, shown in the reader's locale and the helpdesk's time zone.
func At(t time.Time) Arg { return Arg{Time: &t} }

// P is a person.
func P(p Person) Arg { return Arg{Person: &p} }

// X is a nested text.
func X(t Text) Arg { return Arg{Text: &t} }

// L is a list of texts.
func L(ts []Text) Arg { return Arg{List: ts} }

// Person is someone named in a text: the renderer shows the name, or the
// platform's mention when the message may notify them (Message.Ping).
type Person struct {
	ID   UserID `json:"id"`
	Name string `json:"name,omitempty"`
}

// Message is what the core asks a platform to show: a title, paragraphs,
// and labelled fields (a card), all in one language.
type Message struct {
	// Key identifies the message for idempotency: a Post with a key the
	// platform has already seen returns the earlier post instead of a new one.
	Key    string   `json:"key,omitempty"`
	Lang   string   `json:"lang"`
	Title  Text     `json:"title,omitzero"`
	Lines  []Text   `json:"lines,omitempty"`
	Fields []Field  `json:"fields,omitempty"`
	Ping   []UserID `json:"ping,omitempty"` // the only people this message may notify
	// LinkThread asks the platform to link the case's thread, whose
	// reference the outbox worker puts in Thread at delivery.
	LinkThread bool   `json:"link_thread,omitempty"`
	Thread     string `json:"thread,omitempty"`
	// Subject names the message where messages have a subject (mail): the
	// case's number and title. Platforms without one leave it.
	Subject Text `json:"subject,omitzero"`
	// References are the platform's references of the case's earlier
	// letters to the same person, oldest first, which the outbox worker
	// puts in at delivery for a platform of Letters.
	References []string `json:"references,omitempty"`
}

// Field is one labelled value of a card.
type Field struct {
	Label Text `json:"label"`
	Value Text `json:"value"`
}

// PlaceKind says where a post goes.
type PlaceKind string

// Where posts go.
const (
	InCommittee PlaceKind = "committee" // the committee channel
	InGroup     PlaceKind = "group"     // a working group's channel
	InThread    PlaceKind = "thread"    // the case's thread
	InDirect    PlaceKind = "direct"    // a private message to one person
)

// Place is where a post goes, in the core's words; the adapter maps it to a
// channel. Thread is the platform's thread reference, filled in by the
// outbox worker at delivery.
type Place struct {
	Kind   PlaceKind `json:"kind"`
	Group  string    `json:"group,omitempty"`
	Thread string    `json:"thread,omitempty"`
	User   UserID    `json:"user,omitempty"`
}

// FormKind names a form.
type FormKind string

// The forms of the helpdesk.
const (
	RequestForm   FormKind = "request"
	VolunteerForm FormKind = "volunteer"
)

// Form is a set of fields the platform shows for a person to fill in. The
// adapter must give Kind and Type back with the submission (in a custom id,
// a signed state, or its own memory for the shell).
type Form struct {
	Kind   FormKind
	Type   RequestType // the request type, for the request form
	Lang   string
	Title  Text
	Fields []FormField
}

// FormField is one field of a form. MaxLen counts characters (runes).
type FormField struct {
	Name     string
	Label    Text
	Help     Text
	Required bool
	MaxLen   int
	Long     bool // a paragraph rather than one line
}

// Submission is a filled-in form.
type Submission struct {
	Kind   FormKind
	Type   RequestType
	Values map[string]string
	// Key, when the platform gives one, identifies this form as it was
	// opened (a signed dialog's nonce, a modal interaction's id): the same
	// key is taken once, so a replayed or redelivered form does nothing.
	Key string
}

// Response is the core's private answer to the person who invoked a
// command or submitted a form: a reply, a form to open, or errors per field
// of a submitted form (FieldErrors, keyed by field name; Reply then says
// the same in one message for platforms that cannot show field errors).
type Response struct {
	Reply       *Message
	Form        *Form
	FieldErrors map[string]Text
	// Result says what became of the command or form, for an adapter
	// that answers differently (a dialog that stays open, a status).
	Result Result
	// Refusal is why, when Result is Refused.
	Refusal *Refusal
}

// Result is what became of a command or a submitted form.
type Result int

// The results of a command or form.
const (
	// Answered: it was done, or answered (a list, a form to fill in).
	Answered Result = iota
	// Choose: the person must first choose (a request's type); Reply
	// lists the choices.
	Choose
	// Invalid: a form's fields are wrong (FieldErrors says which).
	Invalid
	// Refused: the process said no (Refusal says how, Reply why).
	Refused
	// Failed: something went wrong (a busy database, a fault); Reply
	// apologises.
	Failed
)

// Invocation is a person using a command, as the adapter saw it.
type Invocation struct {
	User   UserID
	Name   string // display name
	Locale string // the platform's locale for the person, if known
	Roles  *Roles // nil when the platform did not say (the stored roles apply)
	// Thread is the platform reference of the thread (or channel) the command
	// was used in; inside a case's thread "#N" may be left out.
	Thread string
	// Case is the case a platform's own form field named (a Discord
	// option), if any; the command's text then holds no case number.
	Case int64
}

// Reaction is an emoji added to or removed from a post by a person.
type Reaction struct {
	Post  string // the platform's post reference, as Chat.Post returned it
	User  UserID
	Name  string // display name, if known
	Emoji string // Unicode emoji
}
