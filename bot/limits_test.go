package bot_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// The platforms' limits on form and command texts, which a translation must
// fit: Discord counts characters, Mattermost's dialogs count bytes.
const (
	discordModalTitle  = 45  // characters, a modal's title
	discordModalLabel  = 45  // characters, a text input's label
	discordDescription = 100 // characters, a command's or option's description
	mattermostTitle    = 24  // bytes, a dialog's title
	mattermostLabel    = 24  // bytes, an element's display name
	mattermostHelp     = 150 // bytes, an element's help text and placeholder
)

// TestEveryLanguageFitsThePlatformsForms renders every form, in every
// language, as the platforms will show it, so that a translation too long
// for a form fails here rather than in a user's face.
func TestEveryLanguageFitsThePlatformsForms(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := bot.New(nil, nil, cat, bot.Config{})
	text := func(lang string, tx bot.Text) string { return cat.Text(lang, tx, locales.Style{}) }
	chars := func(s string) int { return utf8.RuneCountInString(s) }
	for _, lang := range cat.Supported() {
		t.Run(lang, func(t *testing.T) {
			seen := map[string]bool{}
			check := func(what, s string, n, max int, unit string) {
				t.Helper()
				if n > max && !seen[what+s] {
					seen[what+s] = true
					t.Errorf("%s: %q is %d %s, more than %d", what, s, n, unit, max)
				}
			}
			var forms []*bot.Form
			for _, typ := range bot.RequestTypes {
				forms = append(forms, svc.FormFor(bot.RequestForm, typ, lang))
			}
			forms = append(forms, svc.FormFor(bot.VolunteerForm, "", lang))
			for _, f := range forms {
				title := text(lang, f.Title)
				check("Discord modal title "+string(f.Type), title, chars(title), discordModalTitle, "characters")
				for _, fld := range f.Fields {
					label := text(lang, fld.Label)
					check("Discord label "+fld.Name, label, chars(label), discordModalLabel, "characters")
					check("Mattermost label "+fld.Name, label, len(label), mattermostLabel, "bytes")
					help := text(lang, fld.Help)
					check("Mattermost help "+fld.Name, help, len(help), mattermostHelp, "bytes")
				}
			}
			for _, id := range []string{"form.request.short", "form.volunteer.short"} {
				s := text(lang, bot.T(id))
				check("Mattermost dialog title "+id, s, len(s), mattermostTitle, "bytes")
			}
			for _, id := range cat.IDs() {
				if strings.HasPrefix(id, "command.") || strings.HasPrefix(id, "option.") {
					s := text(lang, bot.T(id))
					check("Discord description "+id, s, chars(s), discordDescription, "characters")
				}
			}
		})
	}
}
