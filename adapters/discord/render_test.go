package discord

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

func TestEscape(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"everyone":    {"@everyone and @here", "@\u200beveryone and @\u200bhere"},
		"user":        {"<@123>", "\\<@\u200b123\\>"},
		"role":        {"<@&5>", "\\<@\u200b&5\\>"},
		"channel":     {"<#7>", "\\<\\#7\\>"},
		"emphasis":    {"**b** _i_ ~~s~~ ||x||", "\\*\\*b\\*\\* \\_i\\_ \\~\\~s\\~\\~ \\|\\|x\\|\\|"},
		"code":        {"```go", "\\`\\`\\`go"},
		"masked link": {"[x](https://e.example)", "\\[x\\]\\(<https://e.example>\\)"},
		"link":        {"see https://e.example/a_b*c*.", "see <https://e.example/a_b*c*>."},
		"line starts": {"# h\n> q\n- l", "\\# h\n\\> q\n\\- l"},
		"backslash":   {`\*`, `\\\*`},
		"controls":    {"a\x00b\u202ec\td", "abc d"},
		"plain":       {"Scans of the city archive, 1890–1920.", "Scans of the city archive, 1890–1920."},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("%s: Escape(%q) = %q, want %q", name, tc.in, got, tc.want)
		}
	}
}

func TestSplitAndCut(t *testing.T) {
	long := strings.Repeat("word ", 1000) // 5000 characters
	parts := split(long, maxContent, "(continued)")
	if len(parts) != 3 {
		t.Fatalf("%d parts", len(parts))
	}
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > maxContent {
			t.Errorf("part %d has %d characters", i, n)
		}
		if i > 0 && !strings.HasPrefix(p, "(continued)\n") {
			t.Errorf("part %d does not say it continues", i)
		}
	}
	if got := cut(`abc\*d`, 5); got != "abc…" {
		t.Errorf("cut left a dangling backslash: %q", got)
	}
}

// A card whose user text is as long as the core allows, and all of it
// markup that escaping doubles, stays within Discord's limits and says
// that the whole text is in the thread; the thread gets it in parts.
func TestCardWithinLimits(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	a := &Adapter{cat: cat, cfg: Config{GuildID: "1"}}
	stars := strings.Repeat("*", bot.MaxText)
	m := bot.Message{
		Lang:  "en",
		Title: bot.T("card.title", "id", bot.C("#1"), "title", bot.S(strings.Repeat("_", 100))),
		Lines: []bot.Text{bot.T("card.stage", "stage", bot.X(bot.T("stage.initial_review"))), bot.Quoted(stars)},
		Fields: []bot.Field{
			{Label: bot.T("field.links"), Value: bot.Quoted(strings.Repeat("[", 1000))},
			{Label: bot.T("field.organisation"), Value: bot.Quoted(strings.Repeat("~", 100))},
		},
	}
	r := a.render(m)
	e := r.first.Embeds[0]
	total := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
	for _, f := range e.Fields {
		total += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
		if utf8.RuneCountInString(f.Value) > maxFieldValue {
			t.Errorf("field %q has %d characters", f.Name, utf8.RuneCountInString(f.Value))
		}
	}
	if total > maxEmbedTotal || utf8.RuneCountInString(e.Description) > maxEmbedDesc || utf8.RuneCountInString(e.Title) > maxEmbedTitle {
		t.Errorf("embed of %d characters (description %d, title %d)", total, utf8.RuneCountInString(e.Description), utf8.RuneCountInString(e.Title))
	}
	if !strings.HasSuffix(e.Description, cat.Text("en", bot.T("card.more_in_thread"), locales.Style{})) || !r.edited {
		t.Errorf("the card does not say the text is in the thread")
	}
	whole := strings.Join(r.whole, "")
	if strings.Count(whole, `\*`) != bot.MaxText {
		t.Errorf("the thread gets %d of %d stars", strings.Count(whole, `\*`), bot.MaxText)
	}
	for _, p := range r.whole {
		if utf8.RuneCountInString(p) > maxContent {
			t.Errorf("a thread part of %d characters", utf8.RuneCountInString(p))
		}
	}
}

func TestCommandLocalizations(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	a := &Adapter{cat: cat}
	n := 0
	for _, cmd := range a.commandSpecs() {
		n += len(cmd.Options)
		if (*cmd.DescriptionLocalizations)["sv-SE"] == "" {
			t.Errorf("/%s has no Swedish description", cmd.Name)
		}
	}
	if n != len(bot.Commands()) {
		t.Errorf("%d subcommands, want %d", n, len(bot.Commands()))
	}
	var subs []*discordgo.ApplicationCommandOption
	for _, cmd := range a.commandSpecs() {
		subs = append(subs, cmd.Options...)
	}
	for _, sub := range subs {
		if len(sub.Description) > maxDescription || sub.Description == "" {
			t.Errorf("%s: description %q", sub.Name, sub.Description)
		}
		if sub.DescriptionLocalizations["sv-SE"] == "" {
			t.Errorf("%s has no Swedish description", sub.Name)
		}
		if _, ok := sub.DescriptionLocalizations["ar"]; ok {
			t.Errorf("%s: Discord has no Arabic locale", sub.Name)
		}
		required := true
		for _, o := range sub.Options {
			if o.Required && !required {
				t.Errorf("%s: required option %s after an optional one", sub.Name, o.Name)
			}
			required = o.Required
		}
	}
}

func TestErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		status, code int
		want         error
	}{
		{404, codeUnknownMessage, bot.ErrGone},
		{404, codeUnknownChannel, bot.ErrGone},
		{404, codeUnknownMember, bot.ErrUnreachable},
		{403, codeCannotDM, bot.ErrUnreachable},
		{403, codeMissingPermissions, bot.ErrForbidden},
		{403, codeMissingAccess, bot.ErrForbidden},
		{500, 0, nil},
		{400, codeThreadArchived, nil},
	} {
		err := mapErr("op", restError(tc.status, tc.code))
		if tc.want != nil && !errors.Is(err, tc.want) || tc.want == nil && (errors.Is(err, bot.ErrGone) || errors.Is(err, bot.ErrForbidden) || errors.Is(err, bot.ErrUnreachable)) {
			t.Errorf("HTTP %d code %d: %v, want %v", tc.status, tc.code, err, tc.want)
		}
		if strings.Contains(err.Error(), "Bot ") {
			t.Errorf("error shows the authorization: %v", err)
		}
	}
}

// restError is what discordgo returns for a refused request, with the
// token in the request's header.
func restError(status, code int) error {
	req, _ := http.NewRequest("POST", "https://discord.com/api/v9/channels/1/messages", nil)
	req.Header.Set("Authorization", "Bot secret")
	body := fmt.Sprintf(`{"code":%d,"message":"m"}`, code)
	var msg *discordgo.APIErrorMessage
	_ = json.Unmarshal([]byte(body), &msg)
	return &discordgo.RESTError{Request: req, Response: &http.Response{StatusCode: status, Status: fmt.Sprint(status)}, ResponseBody: []byte(body), Message: msg}
}

// A links field past Discord's 1024 characters (the form allows 1000, and
// escaping and autolinks lengthen it) is cut on the card, and given whole
// in the thread like a long description: no link the requester gave is
// lost.
func TestLongFieldGivenWholeInThread(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	a := &Adapter{cat: cat, cfg: Config{GuildID: "1"}}
	var links []string
	for i := 0; len(strings.Join(links, "\n")) < 1100; i++ {
		links = append(links, fmt.Sprintf("https://commons.wikimedia.org/wiki/Category:Scans_(%d)", i))
	}
	m := bot.Message{
		Lang:   "en",
		Title:  bot.T("card.title", "id", bot.C("#1"), "title", bot.S("Scans")),
		Lines:  []bot.Text{bot.Quoted("300 scans.")},
		Fields: []bot.Field{{Label: bot.T("field.links"), Value: bot.Quoted(strings.Join(links, "\n"))}},
	}
	r := a.render(m)
	if v := r.first.Embeds[0].Fields[0].Value; utf8.RuneCountInString(v) > maxFieldValue {
		t.Fatalf("field of %d characters", utf8.RuneCountInString(v))
	}
	whole := strings.Join(r.whole, "\n")
	for _, l := range links {
		if !strings.Contains(whole, Escape(l)) {
			t.Errorf("the link %s is on neither the card nor in the thread", l)
		}
	}
	if !r.edited || !strings.HasSuffix(r.first.Embeds[0].Description, cat.Text("en", bot.T("card.more_in_thread"), locales.Style{})) {
		t.Errorf("the card does not say the rest is in the thread: %q", r.first.Embeds[0].Description)
	}
}
