package discord

import (
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// Every modal title, label and placeholder, and every command, option and
// choice description, fits Discord's limits whole in every language: the
// adapter cuts what does not fit, and a reader would see "…" where words
// were.
func TestEveryTextFitsDiscordWhole(t *testing.T) {
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	a := &Adapter{cat: cat}
	svc := bot.New(nil, nil, cat, bot.Config{})
	for _, lang := range cat.Supported() {
		forms := []*bot.Form{svc.FormFor(bot.VolunteerForm, "", lang)}
		for _, typ := range bot.RequestTypes {
			forms = append(forms, svc.FormFor(bot.RequestForm, typ, lang))
		}
		for _, f := range forms {
			m := a.modal(f)
			if title := a.say(f.Lang, f.Title); m.Title != title && m.Title != a.say(f.Lang, bot.T("form.request.short")) && m.Title != a.say(f.Lang, bot.T("form.volunteer.short")) {
				t.Errorf("%s %s: modal title %q was cut", lang, f.Kind, m.Title)
			}
			for i, fld := range f.Fields {
				if i >= len(m.Components) {
					break
				}
				if got, want := a.say(f.Lang, fld.Label), cut(a.say(f.Lang, fld.Label), maxModalLabel); got != want {
					t.Errorf("%s %s: label %q is cut to %q", lang, f.Kind, got, want)
				}
				if !fld.Help.IsZero() {
					if got, want := a.say(f.Lang, fld.Help), cut(a.say(f.Lang, fld.Help), maxPlaceholder); got != want {
						t.Errorf("%s %s: placeholder %q is cut to %q", lang, f.Kind, got, want)
					}
				}
			}
		}
	}
	var texts []bot.Text
	for _, top := range topCommands {
		texts = append(texts, bot.T("command."+top))
	}
	for _, name := range bot.Commands() {
		texts = append(texts, bot.T("command."+name))
		for _, o := range options[name] {
			texts = append(texts, bot.T(o.desc))
		}
	}
	for _, tx := range texts {
		for _, tag := range a.discordLocales() {
			if got := a.say(tag, tx); cut(got, maxDescription) != got {
				t.Errorf("%s %s: description %q is cut", tag, tx.ID, got)
			}
		}
	}
}
