package shell

import (
	"regexp"
	"sort"

	"github.com/wmse/helpdesk/bot"
)

// Person is someone on the roster: what they may do and, optionally, the
// locale their platform reports for them.
type Person struct {
	Roles bot.Roles
	Lang  string
}

// Roster is who plays which part, by name. Anyone not on it is a community
// member with no roles.
type Roster map[string]Person

// Names lists the names on the roster, sorted.
func (r Roster) Names() []string {
	out := make([]string, 0, len(r))
	for n := range r {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// nameRE is what a shell name looks like: it becomes the user id
// "shell:NAME", so it is short, lower case and free of spaces.
var nameRE = regexp.MustCompile(`^[\p{Ll}\p{Lo}\p{Nd}][\p{Ll}\p{Lo}\p{Mn}\p{Nd}._-]{0,31}$`)

// ValidName reports whether name can be a person's name in the shell:
// 1 to 32 lower-case letters (of any script), digits, '.', '_' or '-',
// starting with a letter or digit.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// UserID is the helpdesk's id of the person called name in the shell.
func UserID(name string) bot.UserID { return bot.UserID(Platform + ":" + name) }
