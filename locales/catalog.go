// Package locales holds the helpdesk's messages, one TOML file per language,
// and renders the core's bot.Text in a reader's language for an adapter.
//
// Each file is named by its canonical BCP 47 tag: en.toml, sv.toml,
// pt-BR.toml, ar.toml. English is the source language and the fallback for
// any message a translation lacks. Every file has the message
// language.autonym, the language's name in itself.
package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"text/template/parse"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/unicode/norm"

	"github.com/wmse/helpdesk/bot"
)

//go:embed *.toml
var files embed.FS

// AutonymID is the message every locale file has: the language's name in
// itself ("English", "Svenska", "العربية").
const AutonymID = "language.autonym"

// Catalog is every message of every language, loaded at start-up. It is
// read-only afterwards and safe for concurrent use.
type Catalog struct {
	bundle  *i18n.Bundle
	tags    []language.Tag // English first, then sorted by tag
	names   []string       // tags as strings, in the same order
	matcher language.Matcher
	locales map[string]*locale // by canonical tag
	english *locale
	ids     []string // English message IDs, sorted

	loc atomic.Pointer[time.Location]
}

// locale is one language of the catalog.
type locale struct {
	tag       language.Tag
	localizer *i18n.Localizer
	printer   *message.Printer
	rtl       bool
	messages  map[string]*i18n.Message // only messages with some text
	fields    map[string][]string      // message ID → placeholders, sorted

	// dates is how the locale writes a date, worked out at its first
	// date (see Catalog.dateLayout); shared by copies of the locale.
	dates *lazyDates
}

type lazyDates struct {
	once   sync.Once
	layout *dateLayout
}

var _ bot.Languages = (*Catalog)(nil)

// Default loads the message files embedded in the program.
func Default() (*Catalog, error) {
	return New(files)
}

// New loads every *.toml file at the top of fsys. Each file must be named
// by a canonical BCP 47 tag ("pt-BR.toml", not "pt-br.toml" or
// "pt_BR.toml"), en.toml must be among them, and every message must be a
// valid template; otherwise New returns an error naming the file.
func New(fsys fs.FS) (*Catalog, error) {
	paths, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("list message files: %w", err)
	}
	c := &Catalog{
		bundle:  i18n.NewBundle(language.English),
		locales: map[string]*locale{},
	}
	c.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, p := range paths {
		if err := c.load(fsys, p); err != nil {
			return nil, err
		}
	}
	c.english = c.locales[language.English.String()]
	if c.english == nil {
		return nil, fmt.Errorf("load messages: no %s.toml, the source language", language.English)
	}
	for id := range c.english.messages {
		c.ids = append(c.ids, id)
	}
	sort.Strings(c.ids)

	c.tags = append(c.tags, language.English)
	var others []string
	for name := range c.locales {
		if name != language.English.String() {
			others = append(others, name)
		}
	}
	sort.Strings(others)
	for _, name := range others {
		c.tags = append(c.tags, c.locales[name].tag)
	}
	for _, t := range c.tags {
		c.names = append(c.names, t.String())
	}
	// English comes first, so it is what the matcher offers when nothing
	// fits (with confidence No).
	c.matcher = language.NewMatcher(c.tags)
	c.loc.Store(time.UTC)
	return c, nil
}

// load reads one message file into the bundle.
func (c *Catalog) load(fsys fs.FS, p string) error {
	name := strings.TrimSuffix(path.Base(p), ".toml")
	tag, err := language.Parse(name)
	if err != nil {
		return fmt.Errorf("load %s: file name is not a language tag: %w", p, err)
	}
	if tag.String() != name {
		return fmt.Errorf("load %s: name the file by its canonical tag, %s.toml", p, tag)
	}
	buf, err := fs.ReadFile(fsys, p)
	if err != nil {
		return fmt.Errorf("load %s: %w", p, err)
	}
	// go-i18n takes the language from the file name: everything before the
	// extension after the last "/" or the next-to-last "." (so
	// "pt-BR.toml" and "active.pt-BR.toml" are both pt-BR), parsed with
	// language.Make, which turns a bad name into "und" without complaint.
	// Hence the strict check above and the one below.
	mf, err := c.bundle.ParseMessageFileBytes(buf, p)
	if err != nil {
		return fmt.Errorf("load %s: %w", p, err)
	}
	if mf.Tag != tag {
		return fmt.Errorf("load %s: go-i18n read the language as %s, not %s", p, mf.Tag, tag)
	}
	l := &locale{
		tag:       tag,
		localizer: i18n.NewLocalizer(c.bundle, name),
		printer:   message.NewPrinter(tag),
		rtl:       rightToLeft(tag),
		messages:  map[string]*i18n.Message{},
		fields:    map[string][]string{},
		dates:     &lazyDates{},
	}
	for _, m := range mf.Messages {
		if len(forms(m)) == 0 {
			// go-i18n keeps no template for a message without text and
			// falls back to English, so treat it as missing.
			continue
		}
		fields, err := placeholders(m)
		if err != nil {
			return fmt.Errorf("load %s: message %s: %w", p, m.ID, err)
		}
		l.messages[m.ID] = m
		l.fields[m.ID] = fields
	}
	c.locales[name] = l
	return nil
}

// forms returns the non-empty plural forms of m by CLDR name.
func forms(m *i18n.Message) map[string]string {
	f := map[string]string{}
	for name, s := range map[string]string{
		"zero": m.Zero, "one": m.One, "two": m.Two,
		"few": m.Few, "many": m.Many, "other": m.Other,
	} {
		if s != "" {
			f[name] = s
		}
	}
	return f
}

// placeholders parses every form of m as go-i18n will and returns the
// names of the template fields they use ({{.title}} → "title").
func placeholders(m *i18n.Message) ([]string, error) {
	seen := map[string]bool{}
	for form, src := range forms(m) {
		t, err := template.New(m.ID).Delims(m.LeftDelim, m.RightDelim).Parse(src)
		if err != nil {
			return nil, fmt.Errorf("form %s: %w", form, err)
		}
		if t.Tree != nil {
			walkFields(t.Tree.Root, seen)
		}
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out, nil
}

// walkFields records the first field name of every field reference under n.
func walkFields(n parse.Node, seen map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkFields(c, seen)
		}
	case *parse.ActionNode:
		walkFields(n.Pipe, seen)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkFields(c, seen)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walkFields(a, seen)
		}
	case *parse.FieldNode:
		seen[n.Ident[0]] = true
	case *parse.VariableNode:
		if len(n.Ident) > 1 && n.Ident[0] == "$" {
			seen[n.Ident[1]] = true
		}
	case *parse.ChainNode:
		walkFields(n.Node, seen)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, seen)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, seen)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, seen)
	case *parse.TemplateNode:
		walkFields(n.Pipe, seen)
	}
}

func walkBranch(b *parse.BranchNode, seen map[string]bool) {
	walkFields(b.Pipe, seen)
	walkFields(b.List, seen)
	walkFields(b.ElseList, seen)
}

// rtlScripts are the right-to-left scripts of living languages.
var rtlScripts = map[string]bool{
	"Arab": true, "Hebr": true, "Syrc": true, "Thaa": true, "Nkoo": true,
	"Adlm": true, "Rohg": true, "Mand": true, "Samr": true,
}

// rightToLeft reports whether tag is written right to left, judged by its
// (likely) script: ar, fa, ur, ps, ckb → Arab; he, yi → Hebr; dv → Thaa.
func rightToLeft(tag language.Tag) bool {
	s, _ := tag.Script()
	return rtlScripts[s.String()]
}

// RightToLeft reports whether the language that serves lang is written
// right to left.
func (c *Catalog) RightToLeft(lang string) bool { return c.resolve(lang).rtl }

// SetLocation sets the time zone in which times are shown (UTC until set).
func (c *Catalog) SetLocation(loc *time.Location) {
	if loc == nil {
		loc = time.UTC
	}
	c.loc.Store(loc)
}

// Supported lists the tags of the loaded languages, English first and the
// others sorted.
func (c *Catalog) Supported() []string {
	return slices.Clone(c.names)
}

// Match returns the supported tag that best serves code: a BCP 47 tag, a
// platform locale (Discord's "sv-SE", "es-419"; Mattermost's "pt-br",
// "zh_CN") or an Accept-Language list, tried in order of preference.
//
// A requested language is served by a supported one when the matcher finds
// them equivalent (confidence Exact: "sv-SE" → sv, "no" → nb) or when they
// are the same base language and the matcher sees any likeness at all
// (confidence Low or better: "pt-PT" → pt-BR, "es-419" → es, "sv-FI" → sv,
// "en-GB" → en, "zh-TW" → zh-CN). A different language is never close
// enough, however high the matcher rates it (it rates da → nb and gl → es
// High): a Dane reads English rather than Norwegian. When nothing fits,
// Match returns "en" and false.
func (c *Catalog) Match(code string) (tag string, ok bool) {
	for _, want := range preferences(code) {
		_, i, conf := c.matcher.Match(want)
		if conf == language.Exact || conf >= language.Low && sameBase(want, c.tags[i]) {
			return c.names[i], true
		}
	}
	return c.names[0], false
}

func sameBase(a, b language.Tag) bool {
	ba, _ := a.Base()
	bb, _ := b.Base()
	return ba == bb
}

// preferences parses a tag or an Accept-Language list into tags, most
// wanted first. Unlike language.ParseAcceptLanguage, which rejects the whole
// list for one unknown tag, it skips the entries it cannot read; it also
// takes "_" for "-" as Mattermost writes locales.
func preferences(code string) []language.Tag {
	type pref struct {
		tag language.Tag
		q   float64
	}
	var prefs []pref
	for entry := range strings.SplitSeq(code, ",") {
		name, params, _ := strings.Cut(entry, ";")
		name = strings.ReplaceAll(strings.TrimSpace(name), "_", "-")
		if name == "" || name == "*" {
			continue
		}
		q := 1.0
		if params = strings.TrimSpace(params); params != "" {
			v, ok := strings.CutPrefix(params, "q=")
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if !ok || err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		if q == 0 {
			continue
		}
		t, err := language.Parse(name)
		if err != nil {
			continue
		}
		prefs = append(prefs, pref{t, q})
	}
	sort.SliceStable(prefs, func(i, j int) bool { return prefs[i].q > prefs[j].q })
	tags := make([]language.Tag, len(prefs))
	for i, p := range prefs {
		tags[i] = p.tag
	}
	return tags
}

// exact returns the locale of a supported tag, written in any case and
// with "-" or "_"; nil if lang is not supported.
func (c *Catalog) exact(lang string) *locale {
	if l := c.locales[lang]; l != nil {
		return l
	}
	t, err := language.Parse(strings.ReplaceAll(lang, "_", "-"))
	if err != nil {
		return nil
	}
	return c.locales[t.String()]
}

// resolve returns the locale that serves lang, English if none does.
func (c *Catalog) resolve(lang string) *locale {
	if l := c.exact(lang); l != nil {
		return l
	}
	if tag, ok := c.Match(lang); ok {
		return c.locales[tag]
	}
	return c.english
}

// Autonym returns the name of a supported language in itself, from its
// language.autonym message; the tag itself when the file lacks one; ""
// when tag is not supported.
func (c *Catalog) Autonym(tag string) string {
	l := c.exact(tag)
	if l == nil {
		return ""
	}
	if m := l.messages[AutonymID]; m != nil && m.Other != "" {
		return m.Other
	}
	return l.tag.String()
}

// IsWord reports whether typed is a word of message id (a "word.*"
// message: a word people type after a command, like "page") in English or
// in the supported language lang. A message may give several words,
// separated by commas; case and accents do not count ("Pagina" is
// "página"), nor Arabic short vowels.
func (c *Catalog) IsWord(lang, id, typed string) bool {
	t := foldWord(typed)
	if t == "" {
		return false
	}
	for _, l := range []*locale{c.english, c.exact(lang)} {
		if l == nil || l.messages[id] == nil {
			continue
		}
		for _, w := range strings.FieldsFunc(l.messages[id].Other, func(r rune) bool { return r == ',' || r == '،' }) {
			if foldWord(w) == t {
				return true
			}
		}
	}
	return false
}

// foldWord is a word as IsWord compares it: trimmed, in lower case, and
// without the combining marks that Latin accents and Arabic short vowels
// are written with (of the Inherited script, once decomposed). Bengali's
// vowel signs belong to their letters and stay.
func foldWord(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.TrimSpace(s)) {
		if unicode.Is(unicode.Mn, r) && unicode.Is(unicode.Inherited, r) {
			continue
		}
		b.WriteRune(r)
	}
	return strings.ToLower(norm.NFC.String(b.String()))
}

// Has reports whether English, the source language, has the message id.
func (c *Catalog) Has(id string) bool {
	_, ok := c.english.messages[id]
	return ok
}

// IDs lists the English message IDs, sorted.
func (c *Catalog) IDs() []string {
	return slices.Clone(c.ids)
}

// Missing lists, sorted, the English message IDs that the supported
// language lang lacks (and so shows in English); nil for English or an
// unsupported lang.
func (c *Catalog) Missing(lang string) []string {
	l := c.exact(lang)
	if l == nil {
		return nil
	}
	var out []string
	for _, id := range c.ids {
		if _, ok := l.messages[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

// Placeholders lists, sorted, the template fields that message id uses in
// the supported language lang, across all its plural forms ({{.title}} →
// "title"); nil if lang lacks the message.
func (c *Catalog) Placeholders(lang, id string) []string {
	l := c.exact(lang)
	if l == nil {
		return nil
	}
	return slices.Clone(l.fields[id])
}
