package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxText is the longest free text a command takes (a question, an answer,
// a recommendation, a summary, a reason), in characters.
const MaxText = 3000

// asker is the person behind a command, with the language to answer in.
type asker struct {
	Member
	lang   string
	thread string
	caseID int64 // the case the platform's own form named, if any
}

func (a asker) committee() bool { return a.Roles.Committee || a.Roles.Chair }

// Command handles "/helpdesk LINE" from a person (LINE without the
// "/helpdesk" itself, though a leading "/helpdesk" is tolerated) and
// returns the private answer. It never returns an error: refusals and
// failures become a localized reply, and internal errors are logged.
func (s *Service) Command(ctx context.Context, inv Invocation, line string) Response {
	a, err := s.whoIs(ctx, inv)
	if err != nil {
		return s.failure(inv, a.lang, "identify", err)
	}
	if !s.allow(inv.User) {
		return s.refusal(a.lang, &Refusal{Kind: TooMany, Text: T("error.rate_limited")})
	}
	// Whatever a platform delivered, the text is UTF-8 from here on: it
	// is echoed in replies and stored.
	line = strings.ToValidUTF8(strings.TrimSpace(line), "\uFFFD")
	line = strings.TrimSpace(strings.TrimPrefix(line, "/helpdesk"))
	name, rest, _ := strings.Cut(line, " ")
	name = strings.ToLower(name)
	rest = strings.TrimSpace(rest)
	h, ok := commands[name]
	if !ok {
		if name == "" {
			h = (*Service).help
		} else {
			return s.refusal(a.lang, &Refusal{Kind: Malformed, Text: T("error.unknown_command", "cmd", S(name), "help", command("help"))})
		}
	}
	resp, err := h(s, ctx, a, rest)
	if err != nil {
		return s.failure(inv, a.lang, name, err)
	}
	return resp
}

// handler is one /helpdesk subcommand.
type handler func(s *Service, ctx context.Context, a asker, args string) (Response, error)

// commands are the subcommands of /helpdesk.
var commands map[string]handler

func init() {
	commands = map[string]handler{
		"help":      (*Service).help,
		"request":   (*Service).request,
		"volunteer": (*Service).volunteer,
		"status":    (*Service).status,
		"mine":      (*Service).mine,
		"list":      (*Service).list,
		"history":   (*Service).history,
		"language":  (*Service).language,
		"experts":   (*Service).experts,
		"guides":    (*Service).guides,
		"stats":     (*Service).stats,
		"dashboard": (*Service).dashboard,
		"ask":       (*Service).ask,
		"answer":    (*Service).answer,
		"route":     (*Service).routeCmd,
		"claim":     (*Service).claimCmd,
		"recommend": (*Service).recommendCmd,
		"decide":    (*Service).decideCmd,
		"resolve":   (*Service).resolve,
		"rate":      (*Service).rateCmd,
		"withdraw":  (*Service).withdraw,
		"close":     (*Service).closeCmd,
		"take":      (*Service).take,
		"assign":    (*Service).assign,
		"note":      (*Service).note,
		"reason":    (*Service).reason,
		"reopen":    (*Service).reopen,
		"todo":      (*Service).todoCmd,
		"digest":    (*Service).digestCmd,
		"reply":     (*Service).replyCmd,
		"erase":     (*Service).eraseCmd,
		"mydata":    (*Service).mydata,
		"link":      (*Service).linkCmd,
		"unlink":    (*Service).unlinkCmd,
	}
}

// Commands lists the subcommands of /helpdesk, sorted; platforms register
// them (their descriptions are "command.NAME" in locales/).
func Commands() []string {
	out := make([]string, 0, len(commands))
	for n := range commands {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// whoIs records what the invocation tells of the person and returns them
// with the language to answer in.
func (s *Service) whoIs(ctx context.Context, inv Invocation) (asker, error) {
	a := asker{lang: s.pickLang("", inv.Locale), thread: inv.Thread, caseID: inv.Case}
	var known, m Member
	err := s.view(ctx, func(w *work) error {
		var err error
		known, err = w.member(inv.User)
		return err
	})
	if err != nil {
		return a, err
	}
	m = known
	if inv.Name != "" {
		m.Name = inv.Name
	}
	if inv.Locale != "" {
		m.Locale = inv.Locale
	}
	if inv.Roles != nil {
		m.Roles = *inv.Roles
	}
	// Most commands come from people the helpdesk already knows as they
	// are: only a change is written.
	if m.Name != known.Name || m.Locale != known.Locale || !sameRoles(m.Roles, known.Roles) {
		if err := s.update(ctx, func(w *work) error { return w.seen(m) }); err != nil {
			return a, err
		}
	}
	a.Member = m
	a.lang = s.pickLang(m.Lang, m.Locale)
	return a, nil
}

func (s *Service) reply(lang string, lines ...Text) Response {
	return Response{Reply: &Message{Lang: lang, Lines: lines}}
}

// failure turns an error into the reply a person reads: a refusal says
// why; anything else is logged and answered with an apology.
func (s *Service) failure(inv Invocation, lang, what string, err error) Response {
	if lang == "" {
		lang = s.cfg.DefaultLang
	}
	if r, ok := AsRefusal(err); ok {
		return s.refusal(lang, r)
	}
	var r Response
	switch {
	case errors.Is(err, ErrBusy):
		s.log.Warn("database busy", "command", what, "user", inv.User, "err", err)
		r = s.reply(lang, T("error.busy"))
	case errors.Is(err, ErrStale):
		r = s.reply(lang, T("error.stale"))
	default:
		s.log.Error("command failed", "command", what, "user", inv.User, "err", err)
		r = s.reply(lang, T("error.internal"))
	}
	r.Result = Failed
	return r
}

// refusal is the reply that says no, and why.
func (s *Service) refusal(lang string, r *Refusal) Response {
	resp := s.reply(lang, r.Text)
	resp.Result, resp.Refusal = Refused, r
	return resp
}

// caseArg reads "#N" (or "N") at the start of args; without it, the case
// whose thread the command was used in.
//
// A platform whose form has a case field passes it in Invocation.Case, and
// args are then all text. Inside a case's thread only "#N" names another
// case, so that "1890 or 1920?" stays a question about this one.
func (s *Service) caseArg(ctx context.Context, a asker, cmd, args string) (int64, string, error) {
	args = strings.TrimSpace(args)
	if a.caseID != 0 {
		if a.caseID < 0 {
			return 0, "", refuse(NoSuch, "error.no_case", "id", caseRef(a.caseID))
		}
		return a.caseID, args, nil
	}
	var inThread int64
	if a.thread != "" {
		err := s.view(ctx, func(w *work) error {
			c, err := w.tx.CaseByThread(a.ID.Platform(), a.thread)
			inThread = c.ID
			return err
		})
		if err != nil && !errors.Is(err, ErrNotFound) {
			return 0, "", err
		}
	}
	first, rest, _ := strings.Cut(args, " ")
	id, err := strconv.ParseInt(latinDigits(strings.TrimPrefix(first, "#")), 10, 64)
	if err == nil && first != "" && (inThread == 0 || strings.HasPrefix(first, "#")) {
		if id <= 0 {
			return 0, "", refuse(NoSuch, "error.no_case", "id", caseRef(id))
		}
		return id, strings.TrimSpace(rest), nil
	}
	if inThread != 0 {
		return inThread, args, nil
	}
	return 0, "", refuse(Malformed, "error.need_case", "cmd", command(cmd+" #N"))
}

// digitZeros are the zeros of the decimal digits people of the helpdesk's
// languages may type: Arabic-Indic, Eastern Arabic-Indic (Persian, Urdu),
// Devanagari, Bengali, and full-width.
var digitZeros = []rune{'\u0660', '\u06F0', '\u0966', '\u09E6', '\uFF10'}

// latinDigits writes the digits of s as 0–9, so that "#١٢" or "٤" reads
// as "#12" or "4", as the helpdesk writes them back to an Arabic reader.
func latinDigits(s string) string {
	return strings.Map(func(r rune) rune {
		for _, z := range digitZeros {
			if r >= z && r <= z+9 {
				return '0' + (r - z)
			}
		}
		return r
	}, s)
}

// loadCase reads case id, refusing when it does not exist.
func (w *work) loadCase(id int64) (Case, error) {
	c, err := w.tx.Case(id)
	if errors.Is(err, ErrNotFound) {
		return c, refuse(NoSuch, "error.no_case", "id", caseRef(id))
	}
	if err != nil {
		return c, fmt.Errorf("read case %d: %w", id, err)
	}
	return c, nil
}

// textArg checks free text: present, and not too long.
// hint names what is missing ("hint.question").
func textArg(cmd, hint, text string) (string, error) {
	text = cleanText(text, true)
	if text == "" {
		return "", refuse(Malformed, "error.text_required", "cmd", command(cmd), "hint", X(T(hint)))
	}
	if n := utf8.RuneCountInString(text); n > MaxText {
		return "", refuse(Malformed, "error.text_too_long", "max", N(MaxText), "len", N(n))
	}
	return text, nil
}

// cleanText trims text and drops control characters (keeping line breaks
// where multiline is allowed).
func cleanText(s string, multiline bool) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' && multiline, r == '\t':
			return r
		case r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

func stageOneOf(c Case, cmd string, stages ...Stage) error {
	for _, st := range stages {
		if c.Stage == st {
			return nil
		}
	}
	return refuse(NotNow, "error.stage", "id", caseRef(c.ID), "cmd", command(cmd), "stage", X(statusLine(c)))
}

// canSee reports whether person m may read case c (see rights.go).
func (w *work) canSee(m Member, c Case) (bool, error) {
	sc := scopeOf(m)
	if m.Is(c.Requester) || c.Platform != sc.Platform || sc.All {
		return sc.Admits(c, nil), nil
	}
	as, err := w.tx.Assignments(c.ID)
	if err != nil {
		return false, fmt.Errorf("read groups of case %d: %w", c.ID, err)
	}
	routed := make([]string, len(as))
	for i, x := range as {
		routed[i] = x.Group
	}
	return sc.Admits(c, routed), nil
}

func (s *Service) help(_ context.Context, a asker, _ string) (Response, error) {
	lines := []Text{T("help.intro"), helpText("help.requester"), helpText("help.casework"), helpText("help.privacy"), helpText("help.link")}
	if a.committee() {
		lines = append(lines, helpText("help.committee"))
	}
	if len(a.Roles.Groups) > 0 {
		lines = append(lines, helpText("help.group"))
	}
	if a.Roles.Staff {
		lines = append(lines, helpText("help.staff"), helpText("help.privacy.staff"))
	}
	return s.reply(a.lang, lines...), nil
}

// helpText is a help message with each command as an argument named by
// it ({{.status}} is "/helpdesk status", as the platform has it typed).
func helpText(id string) Text {
	var kv []any
	for _, c := range Commands() {
		kv = append(kv, c, command(c))
	}
	return T(id, kv...)
}

func (s *Service) typesList() Arg {
	ts := make([]Text, len(RequestTypes))
	for i, t := range RequestTypes {
		ts[i] = T("type.option", "id", C(string(t)), "name", X(typeText(t)))
	}
	return L(ts)
}

func (s *Service) request(ctx context.Context, a asker, args string) (Response, error) {
	typ := RequestType(strings.ToLower(strings.TrimSpace(args)))
	if typ == "" {
		r := s.reply(a.lang, T("request.pick_type", "types", s.typesList(), "cmd", command("request")))
		r.Result = Choose
		return r, nil
	}
	if !validType(typ) {
		return Response{}, refuse(Malformed, "request.unknown_type", "given", S(string(typ)), "types", s.typesList())
	}
	if err := s.view(ctx, func(w *work) error { return w.checkLimit(a.ID) }); err != nil {
		return Response{}, err
	}
	return Response{Form: s.requestForm(a.lang, typ)}, nil
}

func validType(t RequestType) bool {
	for _, x := range RequestTypes {
		if x == t {
			return true
		}
	}
	return false
}

// checkLimit refuses a requester who already holds the most open cases
// allowed, listing them.
func (w *work) checkLimit(user UserID) error {
	m, err := w.member(user)
	if err != nil {
		return err
	}
	all, err := w.casesOf(m, CaseFilter{}) // one person, one limit, whichever identity asks
	if err != nil {
		return fmt.Errorf("count cases: %w", err)
	}
	slices.SortFunc(all, func(a, b Case) int { return a.CreatedAt.Compare(b.CreatedAt) })
	var open, recent []Case
	for _, c := range all {
		if c.Stage.Open() {
			open = append(open, c)
		}
		if w.now.Sub(c.CreatedAt) < w.s.cfg.RequestWindow {
			recent = append(recent, c) // oldest first
		}
	}
	if len(open) >= w.s.cfg.MaxOpenCases {
		return &Refusal{Text: T("request.limit", "max", N(w.s.cfg.MaxOpenCases), "cases", caseList(open), "cmd", command("withdraw #N")).Plural(w.s.cfg.MaxOpenCases)}
	}
	// Withdrawn requests count too: request, withdraw, request again
	// would make a card each time.
	if n := len(recent); n >= w.s.cfg.MaxRequests {
		next := recent[n-w.s.cfg.MaxRequests].CreatedAt.Add(w.s.cfg.RequestWindow)
		limit := w.s.cfg.MaxRequests
		return &Refusal{Kind: TooMany, Text: T("request.too_many", "max", N(limit), "window", X(windowText(w.s.cfg.RequestWindow)), "at", At(next)).Plural(limit)}
	}
	return nil
}

// windowText is the time over which requests are counted, as the phrase
// "in the last 24 hours": in days when it is whole days, two or more, and
// in hours (at least one) otherwise.
func windowText(d time.Duration) Text {
	if d >= 48*time.Hour && d%(24*time.Hour) == 0 {
		return T("request.window.days").Plural(int(d / (24 * time.Hour)))
	}
	return T("request.window.hours").Plural(max(1, int((d+time.Hour-1)/time.Hour)))
}

// maxTracked bounds the people whose recent commands are remembered.
const maxTracked = 10000

// allow reports whether a person may send a command now: at most
// CommandsPerMinute in any minute. The memory is the process's: a restart
// forgets it, which only lets a person start again.
func (s *Service) allow(user UserID) bool {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recent == nil || len(s.recent) >= maxTracked {
		s.recent = map[UserID][]time.Time{}
	}
	kept := s.recent[user][:0]
	for _, t := range s.recent[user] {
		if now.Sub(t) < time.Minute {
			kept = append(kept, t)
		}
	}
	if len(kept) >= s.cfg.CommandsPerMinute {
		s.recent[user] = kept
		return false
	}
	s.recent[user] = append(kept, now)
	return true
}

func caseList(cs []Case) Arg {
	ts := make([]Text, len(cs))
	for i, c := range cs {
		ts[i] = caseLine(c)
	}
	return L(ts)
}

// caseLine is a case in a list: its number, title and stage (the bare
// stage: a status line carries a label of its own, "Stage: …"); a closed
// case's line says closed and how ("closed (by the helpdesk)").
func caseLine(c Case) Text {
	if c.Stage == Closed {
		// One label, not two in a row ("…: Closed: by the helpdesk").
		return T("case.line.closed", "id", caseRef(c.ID), "title", c.TitleArg(), "outcome", X(outcomeText(c.Outcome)))
	}
	return T("case.line", "id", caseRef(c.ID), "title", c.TitleArg(), "stage", X(stageText(c.Stage)))
}

// The request form's fields and their limits, in characters.
func (s *Service) requestForm(lang string, typ RequestType) *Form {
	return &Form{Kind: RequestForm, Type: typ, Lang: lang, Title: T("form.request.title", "type", X(typeText(typ))), Fields: []FormField{
		{Name: "title", Label: T("form.field.title"), Help: T("form.help.title"), Required: true, MaxLen: 100},
		{Name: "description", Label: T("form.field.description"), Help: T("form.help.description"), Required: true, MaxLen: 3000, Long: true},
		{Name: "organisation", Label: T("form.field.organisation"), Help: T("form.help.organisation"), MaxLen: 100},
		{Name: "links", Label: T("form.field.links"), Help: T("form.help.links"), MaxLen: 1000, Long: true},
		{Name: "timeline", Label: T("form.field.timeline"), Help: T("form.help.timeline"), MaxLen: 100},
	}}
}

func (s *Service) volunteerForm(lang string) *Form {
	ids := s.groupIDs()
	return &Form{Kind: VolunteerForm, Lang: lang, Title: T("form.volunteer.title"), Fields: []FormField{
		{Name: "languages", Label: T("form.field.languages"), Help: T("form.help.languages"), Required: true, MaxLen: 200},
		{Name: "skills", Label: T("form.field.skills"), Help: T("form.help.skills"), Required: true, MaxLen: 1000, Long: true},
		{Name: "groups", Label: T("form.field.groups"), Help: T("form.help.groups", "groups", C(strings.Join(ids[:min(2, len(ids))], ", "))), MaxLen: 200}, // two for example: the whole list does not fit a placeholder; a wrong id is answered with every one
	}}
}

// FormFor returns the form of a kind (and request type) in a language, as
// it would be opened; platforms that rebuild a form use it.
func (s *Service) FormFor(kind FormKind, typ RequestType, lang string) *Form {
	if kind == VolunteerForm {
		return s.volunteerForm(lang)
	}
	return s.requestForm(lang, typ)
}

func (s *Service) volunteer(_ context.Context, a asker, _ string) (Response, error) {
	return Response{Form: s.volunteerForm(a.lang)}, nil
}

// Check is what Submit will find wrong with value as the answer to the
// field: empty when it is required, or too long once cleaned as Submit
// cleans it. ok is true when nothing is. A platform that asks a field at a
// time (the shell) checks each answer as it is given.
func (fld FormField) Check(value string) (problem Text, ok bool) {
	_, problem, ok = fld.check(value)
	return problem, ok
}

// check cleans value as an answer to the field and says what is wrong
// with it, if anything.
func (fld FormField) check(value string) (clean string, problem Text, ok bool) {
	v := cleanText(value, fld.Long)
	n := utf8.RuneCountInString(v)
	switch {
	case v == "" && fld.Required:
		return v, T("form.error.required", "field", X(fld.Label)), false
	case n > fld.MaxLen:
		return v, T("form.error.too_long", "field", X(fld.Label), "max", N(fld.MaxLen), "len", N(n)), false
	}
	return v, Text{}, true
}

// validate checks a submission against its form: required fields present,
// none too long. It returns the cleaned values and an error per bad field.
func validate(f *Form, sub Submission) (map[string]string, map[string]Text) {
	vals := map[string]string{}
	errs := map[string]Text{}
	for _, fld := range f.Fields {
		v, problem, ok := fld.check(sub.Values[fld.Name])
		if !ok {
			errs[fld.Name] = problem
		}
		vals[fld.Name] = v
	}
	return vals, errs
}

// Submit handles a filled-in form. A form with bad fields writes nothing and
// comes back with an error per field (and the same in Reply).
func (s *Service) Submit(ctx context.Context, inv Invocation, sub Submission) Response {
	a, err := s.whoIs(ctx, inv)
	if err != nil {
		return s.failure(inv, a.lang, "submit", err)
	}
	// A form's words are UTF-8 from here on (see Command).
	sub.Type = RequestType(strings.ToValidUTF8(string(sub.Type), "\uFFFD"))
	clean := make(map[string]string, len(sub.Values))
	for k, v := range sub.Values {
		clean[k] = strings.ToValidUTF8(v, "\uFFFD")
	}
	sub.Values = clean
	if sub.Kind == RequestForm && !validType(sub.Type) {
		return s.refusal(a.lang, &Refusal{Kind: Malformed, Field: "type", Text: T("request.unknown_type", "given", S(string(sub.Type)), "types", s.typesList())})
	}
	f := s.FormFor(sub.Kind, sub.Type, a.lang)
	vals, errs := validate(f, sub)
	if sub.Kind == VolunteerForm && len(errs) == 0 {
		if bad := s.unknownGroups(vals["groups"]); len(bad) > 0 {
			errs["groups"] = T("form.error.groups", "given", S(strings.Join(bad, ", ")), "groups", s.groupsText(s.groupIDs()))
		}
	}
	if len(errs) > 0 {
		lines := []Text{T("form.error.intro")}
		for _, fld := range f.Fields {
			if t, ok := errs[fld.Name]; ok {
				lines = append(lines, t)
			}
		}
		r := s.reply(a.lang, lines...)
		r.FieldErrors = errs
		r.Result = Invalid
		return r
	}
	sub.Values = vals
	var resp Response
	switch sub.Kind {
	case RequestForm:
		err = s.update(ctx, func(w *work) error {
			if err := w.firstSubmission(sub); err != nil {
				return err
			}
			if err := w.checkLimit(a.ID); err != nil {
				return err
			}
			c, err := w.openCase(a.Member, a.lang, sub)
			if err != nil {
				return err
			}
			// Say what will happen, truly: a person whose direct messages
			// were closed last time is told to open them.
			reachable, err := w.tx.Reachable(a.ID)
			msg := "reply.opened"
			if !reachable {
				msg = "reply.opened.unreachable"
			}
			resp = s.reply(a.lang, T(msg, "id", caseRef(c.ID), "title", c.TitleArg()))
			return err
		})
	case VolunteerForm:
		err = s.update(ctx, func(w *work) error {
			if err := w.firstSubmission(sub); err != nil {
				return err
			}
			return w.tx.PutVolunteer(Volunteer{User: a.ID, Languages: vals["languages"], Skills: vals["skills"], Groups: vals["groups"], At: w.now})
		})
		resp = s.reply(a.lang, T("reply.volunteered", "cmd", command("experts")))
	default:
		return s.refusal(a.lang, &Refusal{Kind: Malformed, Text: T("error.unknown_form")})
	}
	if err != nil {
		return s.failure(inv, a.lang, "submit "+string(sub.Kind), err)
	}
	return resp
}

// formKeyKept is how long a form's key is kept against a replay: far
// longer than a form lives (a Mattermost dialog's state expires after a
// day and is refused after that, whatever the key).
const formKeyKept = 30 * 24 * time.Hour

// firstSubmission refuses a submission whose key was taken before, in the
// transaction that takes it: a form sent twice (a replayed dialog, a
// redelivered modal) opens one case. A form sent back with field errors
// took nothing and may be sent again.
func (w *work) firstSubmission(sub Submission) error {
	if sub.Key == "" {
		return nil
	}
	first, err := w.tx.FirstNotice("", "submission/"+sub.Key, w.now, formKeyKept)
	if err != nil {
		return fmt.Errorf("record submission: %w", err)
	}
	if !first {
		return refuse(NotNow, "form.expired", "cmd", command(string(sub.Kind)))
	}
	return nil
}

func (s *Service) groupIDs() []string {
	ids := make([]string, len(s.cfg.Groups))
	for i, g := range s.cfg.Groups {
		ids[i] = g.ID
	}
	return ids
}

// parseGroups splits "a, b" into group IDs.
func parseGroups(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		out = append(out, strings.ToLower(f))
	}
	return out
}

func (s *Service) unknownGroups(list string) []string {
	var bad []string
	for _, g := range parseGroups(list) {
		if _, ok := s.group(g); !ok {
			bad = append(bad, g)
		}
	}
	return bad
}
