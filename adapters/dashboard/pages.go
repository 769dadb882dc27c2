package dashboard

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// page is what every template gets: the reader's language and direction,
// who they are, and the page's own data.
type page struct {
	d      *Dashboard
	Lang   string
	Dir    string
	Title  string
	Viewer *viewerInfo
	Nav    string
	Data   any
}

type viewerInfo struct {
	Name      string
	SeesAll   bool
	Staff     bool
	Committee bool
	Stats     bool // may read the statistics
}

// T renders message id in the page's language (the templates' labels).
// A label has no arguments: it is rendered once per language and kept.
func (p *page) T(id string) string {
	key := p.Lang + "\x00" + id
	if s, ok := p.d.labels.Load(key); ok {
		return s.(string)
	}
	s := p.d.text(p.Lang, bot.T(id))
	p.d.labels.Store(key, s)
	return s
}

// Date writes a time in the page's language; the zero time is "".
func (p *page) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.d.opt.Catalog.Date(p.Lang, t)
}

// SignedInAs says who is signed in, their name isolated.
func (p *page) SignedInAs() string {
	if p.Viewer == nil {
		return ""
	}
	return p.d.text(p.Lang, bot.T("web.signed_in_as", "who", bot.S(p.Viewer.Name)))
}

// Num writes a number in the page's digits.
func (p *page) Num(n int) string { return p.d.opt.Catalog.Number(p.Lang, n) }

func (d *Dashboard) newPage(lang string, v *bot.Viewer, title bot.Text) *page {
	p := &page{d: d, Lang: lang, Dir: "ltr", Title: d.text(lang, title)}
	if d.opt.Catalog.RightToLeft(lang) {
		p.Dir = "rtl"
	}
	if v != nil {
		p.Viewer = &viewerInfo{Name: clean(v.Name), SeesAll: v.SeesAll(), Staff: v.IsStaff(), Stats: v.SeesStats(),
			Committee: v.Roles.Committee || v.Roles.Chair}
		if p.Viewer.Name == "" {
			p.Viewer.Name = v.ID.Local()
		}
	}
	return p
}

// render executes a page's template into a buffer first, so that a
// failure half-way shows an error page rather than half a page.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page, data any) {
	p.Data = data
	var buf bytes.Buffer
	if err := d.pages[name].ExecuteTemplate(&buf, "base", p); err != nil {
		d.log.Error("dashboard: render a page", "page", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// option is one choice of a filter.
type option struct {
	Value, Label string
	Selected     bool
}

// casesData is the cases table page.
type casesData struct {
	Heading  string
	Note     string
	Count    string
	Rows     []caseRow
	Todo     []string // "waiting for me": the to-do list, as /helpdesk todo gives it
	States   []option
	Outcomes []option
	Owners   []option
	Stages   []option
	Types    []option
	Groups   []option
	Sorts    []option
	Search   string
	Desc     bool
	Overdue  bool
	Waiting  bool
	PageText string
	Prev     string // the address of the previous page, if any
	Next     string
	CSV      string // the address of this table as CSV, for staff
}

type caseRow struct {
	ID       int64
	Link     string
	Title    string
	Type     string
	Stage    string
	Lang     string
	Opened   string
	Waiting  string
	Deadline string
	Owner    string
}

// query reads the cases table's filters from the request; the core
// drops what it does not know and keeps the page within its bounds.
func query(r *http.Request) bot.CaseList {
	f := r.URL.Query()
	pageNo, _ := strconv.Atoi(trimmed(f.Get("page"), 12))
	return bot.CaseList{
		State:   trimmed(f.Get("state"), 10),
		Outcome: bot.Outcome(trimmed(f.Get("outcome"), 20)),
		Owner:   trimmed(f.Get("owner"), 120),
		Overdue: f.Get("overdue") == "1",
		Stage:   bot.Stage(trimmed(f.Get("stage"), 40)),
		Type:    bot.RequestType(trimmed(f.Get("type"), 40)),
		Group:   trimmed(f.Get("group"), 80),
		Search:  clean(trimmed(f.Get("q"), 200)),
		Sort:    trimmed(f.Get("sort"), 20),
		Desc:    f.Get("desc") == "1",
		Waiting: f.Get("view") == "waiting",
		Page:    pageNo,
	}
}

func (d *Dashboard) cases(w http.ResponseWriter, r *http.Request, v bot.Viewer) {
	cp, err := d.opt.Core.Cases(r.Context(), v, query(r))
	if err != nil {
		d.failErr(w, r, &v, "cases table", err)
		return
	}
	q := cp.Query
	lang := v.Lang
	p := d.newPage(lang, &v, bot.T("web.cases.title"))
	p.Nav = "cases"
	data := casesData{Heading: p.Title, Search: q.Search, Desc: q.Desc, Waiting: q.Waiting, Overdue: q.Overdue,
		Count: d.text(lang, bot.T("web.cases.count").Plural(cp.Total))}
	if q.Waiting {
		p.Nav = "waiting"
		data.Heading = d.text(lang, bot.T("web.waiting.title"))
		for _, t := range cp.Todo {
			data.Todo = append(data.Todo, d.text(lang, d.opt.Core.TodoText(t)))
		}
	}
	if !v.SeesAll() {
		data.Note = d.text(lang, bot.T("web.own_only"))
	}
	for _, c := range cp.Rows {
		data.Rows = append(data.Rows, caseRow{
			ID: c.ID, Link: "/cases/" + strconv.FormatInt(c.ID, 10), Title: d.text(lang, bot.T("person", "who", c.Case.TitleArg())),
			Type: d.text(lang, bot.TypeText(c.Type)), Stage: d.text(lang, stageOf(c.Case)),
			Lang: d.langName(lang, c.Lang), Opened: p.Date(c.CreatedAt), Waiting: p.Date(c.UpdatedAt),
			Deadline: p.Date(c.NextDeadline), Owner: d.who(lang, bot.Person{ID: c.Owner, Name: c.OwnerName}),
		})
	}
	anyOpt := d.text(lang, bot.T("web.filter.any"))
	for _, st := range []string{bot.ListOpen, bot.ListClosed, bot.ListAll} {
		data.States = append(data.States, option{st, d.text(lang, bot.T("web.state."+st)), q.State == st})
	}
	data.Outcomes = append(data.Outcomes, option{"", anyOpt, q.Outcome == ""})
	for _, o := range bot.Outcomes {
		data.Outcomes = append(data.Outcomes, option{string(o), d.text(lang, bot.OutcomeText(o)), q.Outcome == o})
	}
	if v.SeesAll() {
		data.Owners = append(data.Owners, option{"", anyOpt, q.Owner == ""})
		if v.IsStaff() {
			data.Owners = append(data.Owners, option{bot.OwnerMe, d.text(lang, bot.T("web.owner.me")), q.Owner == bot.OwnerMe})
		}
		data.Owners = append(data.Owners, option{bot.OwnerNone, d.text(lang, bot.T("web.owner.none")), q.Owner == bot.OwnerNone})
		staff, err := d.opt.Core.Staff(r.Context(), v)
		if err != nil {
			d.failErr(w, r, &v, "cases table", err)
			return
		}
		for _, who := range staff {
			if who.ID != v.ID {
				data.Owners = append(data.Owners, option{string(who.ID), clean(who.Name), q.Owner == string(who.ID)})
			}
		}
	}
	data.Stages = append(data.Stages, option{"", anyOpt, q.Stage == ""})
	for _, st := range bot.Stages {
		data.Stages = append(data.Stages, option{string(st), d.text(lang, bot.StageText(st)), q.Stage == st})
	}
	data.Types = append(data.Types, option{"", anyOpt, q.Type == ""})
	for _, t := range bot.RequestTypes {
		data.Types = append(data.Types, option{string(t), d.text(lang, bot.TypeText(t)), q.Type == t})
	}
	data.Groups = append(data.Groups, option{"", anyOpt, q.Group == ""})
	for _, g := range d.opt.Core.Config().Groups {
		data.Groups = append(data.Groups, option{g.ID, d.text(lang, d.opt.Core.GroupText(g.ID)), q.Group == g.ID})
	}
	for _, s := range bot.SortBy {
		data.Sorts = append(data.Sorts, option{s, d.text(lang, bot.T("web.sort."+s)), q.Sort == s})
	}
	data.PageText = d.text(lang, bot.T("web.page", "n", bot.N(cp.Page), "of", bot.N(cp.Pages)))
	link := func(n int) string {
		f := r.URL.Query()
		f.Set("page", strconv.Itoa(n))
		return "/cases?" + f.Encode()
	}
	if cp.Page > 1 {
		data.Prev = link(cp.Page - 1)
	}
	if cp.Page < cp.Pages {
		data.Next = link(cp.Page + 1)
	}
	if v.IsStaff() {
		f := r.URL.Query()
		f.Del("page")
		data.CSV = "/cases.csv?" + f.Encode()
	}
	d.render(w, r, http.StatusOK, "cases", p, data)
}

// stageOf is where a case stands, as a table cell says it.
func stageOf(c bot.Case) bot.Text {
	if c.Stage == bot.Closed && c.Outcome != "" {
		return bot.OutcomeText(c.Outcome)
	}
	return bot.StageText(c.Stage)
}

// langName is a language's name in the reader's language.
func (d *Dashboard) langName(lang, tag string) string {
	if tag == "" {
		return ""
	}
	return d.text(lang, bot.T("web.lang.name", "lang", bot.Lang(tag)))
}

// casesCSV is the cases table, every page, as CSV, for staff. The
// headings are in the reader's language; the cells are what a
// spreadsheet sorts and filters alike in every language: the codes of
// the type, stage and outcome, the groups' ids, the language's tag,
// times in UTC (RFC 3339), the rating as a number. The columns after the
// deadline came later: they follow, so that a sheet that reads the first
// eight still reads them where it did.
func (d *Dashboard) casesCSV(w http.ResponseWriter, r *http.Request, v bot.Viewer) {
	l := query(r)
	lang := v.Lang
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	head := []string{"web.col.number", "web.col.title", "web.col.type", "web.col.stage", "web.col.lang", "web.col.opened", "web.col.waiting", "web.col.deadline",
		"web.csv.outcome", "web.csv.requester", "web.csv.groups", "web.csv.owner", "web.csv.rating", "web.csv.closed"}
	for i, id := range head {
		head[i] = d.text(lang, bot.T(id))
	}
	_ = cw.Write(head)
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for l.Page = 1; ; l.Page++ {
		sp, err := d.opt.Core.CaseSheet(r.Context(), v, l)
		if err != nil {
			d.failErr(w, r, &v, "cases CSV", err)
			return
		}
		for _, c := range sp.Rows {
			rating := ""
			if c.Rating > 0 {
				rating = strconv.Itoa(c.Rating)
			}
			// A cell a spreadsheet would take for a formula is quoted as text.
			_ = cw.Write([]string{strconv.FormatInt(c.ID, 10), cell(c.Title), string(c.Type), string(c.Stage), c.Lang,
				stamp(c.CreatedAt), stamp(c.UpdatedAt), stamp(c.NextDeadline),
				string(c.Outcome), cell(c.RequesterPerson.Name), cell(strings.Join(c.Groups, "; ")), cell(c.OwnerPerson.Name), rating, stamp(c.ClosedAt)})
		}
		if sp.Page >= sp.Pages {
			break
		}
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="helpdesk-cases.csv"`)
	_, _ = w.Write(buf.Bytes())
}

// cell keeps a spreadsheet from reading user text as a formula, or from
// showing it reordered by its direction controls.
func cell(s string) string {
	s = clean(s)
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

// exportJSON is helpdesk export, for staff.
func (d *Dashboard) exportJSON(w http.ResponseWriter, r *http.Request, v bot.Viewer) {
	if d.opt.Export == nil {
		d.fail(w, r, &v, http.StatusNotFound, bot.T("web.error.not_found"))
		return
	}
	var buf bytes.Buffer
	if err := d.opt.Export(r.Context(), v, &buf); err != nil {
		d.failErr(w, r, &v, "export", err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="helpdesk-export.json"`)
	_, _ = w.Write(buf.Bytes())
}

// who names a person on a page: by their name, or, once erased, in the
// catalog's words for someone whose data was erased.
func (d *Dashboard) who(lang string, p bot.Person) string {
	if p.ID.Erased() {
		return d.text(lang, bot.T("person", "who", bot.P(p)))
	}
	return clean(p.Name)
}

// myData gives the signed-in person everything the helpdesk holds about
// them, as a file.
func (d *Dashboard) myData(w http.ResponseWriter, r *http.Request, v bot.Viewer) {
	if d.opt.MyData == nil {
		d.fail(w, r, &v, http.StatusNotFound, bot.T("web.error.not_found"))
		return
	}
	var buf bytes.Buffer
	if err := d.opt.MyData(r.Context(), v, &buf); err != nil {
		d.failErr(w, r, &v, "my data", err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="helpdesk-my-data.json"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// caseData is the case page.
type caseData struct {
	Heading   string
	Case      bot.Case
	Requester string
	Type      string
	Status    string
	Lang      string
	Opened    string
	Rating    string
	Rounds    []roundData
	Groups    []groupData
	NoGroups  string
	Log       []logEntry
	Thread    string
	Owner     string
	// What the case asks of the viewer, first on the page.
	Todo     []todoItem
	Rate     bool
	Rating5  []option // the choices of the rating form
	Next     string   // the next timer, for the committee and staff
	Notice   string   // what the helpdesk answered to what the viewer did here
	Refused  bool     // the notice says no
	Action   string   // where the forms go
	MaxText  int
	Question string
	Files    []fileData
}

// fileData is a file of the case, as the page lists it.
type fileData struct {
	Link, Name, Size string
}

// todoItem is one thing the case asks of the viewer, with the form that
// does it on the page, if there is one ("answer", "claim", "take").
type todoItem struct {
	Text string
	Hint string // how to do it, when it is done in the chat
	Form string
}

type roundData struct {
	Title   string
	State   string
	Tally   string
	Votes   []voteData
	Voters  bool // who voted what is shown
	NoVotes string
}

type voteData struct{ Voter, Choice string }

type groupData struct {
	Given          string // "a recommendation was given", to those who may not read it
	Name           string
	Routed         string
	Claimed        string
	Recommendation string
	RecommendedBy  string
}

type logEntry struct {
	At, Who, What string
	Said          string // what the person said, if anything
	Internal      bool   // not shown to the requester
}

func (d *Dashboard) casePage(w http.ResponseWriter, r *http.Request, v bot.Viewer) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		d.fail(w, r, &v, http.StatusNotFound, bot.T("web.error.not_found"))
		return
	}
	d.showCase(w, r, v, id, http.StatusOK, "", false)
}

// showCase renders case id for v, with status and a notice at the top
// (what the helpdesk answered to a form), if any.
func (d *Dashboard) showCase(w http.ResponseWriter, r *http.Request, v bot.Viewer, id int64, status int, notice string, refused bool) {
	cv, err := d.opt.Core.CaseView(r.Context(), v, id)
	if err != nil {
		d.failErr(w, r, &v, "case page", err)
		return
	}
	lang := v.Lang
	t := func(x bot.Text) string { return d.text(lang, x) }
	c := cv.Case
	for _, f := range []*string{&c.Title, &c.Description, &c.Organisation, &c.Links, &c.Timeline} {
		*f = clean(*f)
	}
	p := d.newPage(lang, &v, bot.T("web.case.title", "id", bot.C("#"+strconv.FormatInt(c.ID, 10)), "title", c.TitleArg()))
	p.Nav = "cases"
	data := caseData{Heading: p.Title, Case: c, Requester: d.who(lang, cv.Requester), Type: t(cv.Type), Status: t(cv.Status),
		Lang: d.langName(lang, c.Lang), Opened: p.Date(c.CreatedAt), NoGroups: t(bot.T("web.case.no_groups"))}
	if c.Rating > 0 {
		data.Rating = t(bot.T("web.case.rating", "n", bot.N(c.Rating)))
	}
	for _, rv := range cv.Rounds {
		rd := roundData{Title: t(bot.T("web.case.round", "n", bot.N(rv.N), "kind", bot.X(rv.Kind))), Voters: rv.ShowsWhoVotedWhat,
			NoVotes: t(bot.T("web.case.no_votes"))}
		if !rv.Closed {
			// The tally of a round in progress, of those who may vote; a
			// closed round shows its result (and, to the committee and
			// staff, its votes).
			rd.Tally = t(rv.Tally)
		}
		switch {
		case rv.Result.ID != "":
			rd.State = t(bot.T("web.case.round.decided", "result", bot.X(rv.Result)))
		case rv.Escalated && !rv.Closed:
			rd.State = t(bot.T("web.case.round.escalated"))
		case rv.Closed:
			rd.State = t(bot.T("web.case.round.closed"))
		default:
			rd.State = t(bot.T("web.case.round.open", "at", bot.At(rv.Deadline)))
		}
		for _, vv := range rv.Votes {
			rd.Votes = append(rd.Votes, voteData{Voter: d.who(lang, vv.Voter), Choice: t(vv.Choice)})
		}
		data.Rounds = append(data.Rounds, rd)
	}
	for _, g := range cv.Groups {
		gd := groupData{Name: t(g.Group), Routed: t(bot.T("web.case.routed", "at", bot.At(g.RoutedAt))), Recommendation: clean(g.Recommendation)}
		if g.Recommended && g.Recommendation == "" {
			// Given, but not for this reader: that much they may know.
			gd.Given = t(bot.T("web.case.recommendation_given"))
		}
		if len(g.Claimers) == 0 {
			gd.Claimed = t(bot.T("web.case.unclaimed"))
		} else {
			names := make([]bot.Text, len(g.Claimers))
			for i, who := range g.Claimers {
				names[i] = bot.T("person", "who", bot.P(who))
			}
			gd.Claimed = t(bot.T("web.case.claimed_by", "who", bot.L(names)))
		}
		if g.Recommendation != "" {
			gd.RecommendedBy = t(bot.T("web.case.recommendation", "who", bot.P(g.RecommendedBy)))
		}
		data.Groups = append(data.Groups, gd)
	}
	for _, e := range cv.Timeline {
		data.Log = append(data.Log, logEntry{At: p.Date(e.At), Who: t(e.Who), What: t(e.What), Said: clean(e.Text), Internal: e.Internal})
	}
	data.Notice, data.Refused, data.MaxText = notice, refused, bot.MaxText
	for _, f := range cv.Files {
		name := clean(f.Name)
		if name == "" {
			name = f.MediaType
		}
		data.Files = append(data.Files, fileData{Link: fmt.Sprintf("/cases/%d/files/%d", c.ID, f.ID), Name: name,
			Size: t(bot.T("web.case.file.size", "kb", bot.N(int((f.Size+1023)/1024))))})
	}
	data.Action = "/cases/" + strconv.FormatInt(c.ID, 10)
	if cv.Owner.ID != "" {
		data.Owner = t(bot.T("status.owner", "who", bot.P(cv.Owner)))
	}
	for _, td := range cv.Todo {
		item := todoItem{Text: t(d.opt.Core.TodoText(td))}
		switch td.Kind {
		case bot.TodoVote:
			// How to vote: with a reaction, in the chat.
			item.Hint = t(bot.T("vote.how." + string(bot.KindOf(td.Case))))
		case bot.TodoAnswer:
			item.Form, data.Question = "answer", clean(cv.Question)
		case bot.TodoClaim:
			item.Form = "claim"
		case bot.TodoTake:
			item.Form = "take"
		}
		data.Todo = append(data.Todo, item)
	}
	if cv.Rate {
		data.Rate = true
		for n := 5; n >= 1; n-- {
			data.Rating5 = append(data.Rating5, option{strconv.Itoa(n), t(bot.T("web.case.rate.option", "n", bot.N(n))), n == c.Rating})
		}
	}
	if !cv.Next.Due.IsZero() {
		what := bot.T("web.timer." + string(cv.Next.Kind))
		data.Next = t(bot.T("web.case.next", "what", bot.X(what), "at", bot.At(cv.Next.Due)))
	}
	if cv.Thread != "" && d.opt.ThreadURL != nil {
		if u := d.opt.ThreadURL(cv.Platform, cv.Thread); safeLink(u) {
			data.Thread = u
		}
	}
	d.render(w, r, status, "case", p, data)
}

// caseAction does on the case page what a command does in chat, through
// the core exactly as the command: answer the committee's question, rate
// the help, claim the case for one's group, take it on (staff). The page
// is shown again with what the helpdesk answered.
func (d *Dashboard) caseAction(w http.ResponseWriter, r *http.Request, v bot.Viewer) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		d.fail(w, r, &v, http.StatusNotFound, bot.T("web.error.not_found"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		d.fail(w, r, &v, http.StatusBadRequest, bot.T("web.error.not_found"))
		return
	}
	var line string
	switch r.PostForm.Get("do") {
	case "answer":
		line = "answer " + oneLine(r.PostForm.Get("text"))
	case "rate":
		line = strings.TrimSpace("rate " + trimmed(r.PostForm.Get("score"), 2) + " " + oneLine(r.PostForm.Get("comment")))
	case "claim":
		line = "claim"
	case "take":
		line = "take"
	default:
		d.fail(w, r, &v, http.StatusBadRequest, bot.T("web.error.not_found"))
		return
	}
	resp := d.opt.Core.Command(r.Context(), bot.Invocation{User: v.ID, Name: v.Name, Case: id}, line)
	var notice []string
	if resp.Reply != nil {
		for _, l := range resp.Reply.Lines {
			notice = append(notice, d.text(v.Lang, l))
		}
	}
	status := http.StatusOK
	switch resp.Result {
	case bot.Refused:
		status = http.StatusBadRequest
		if resp.Refusal != nil {
			status = refusalStatus[resp.Refusal.Kind]
		}
	case bot.Failed:
		status = http.StatusServiceUnavailable
	}
	d.showCase(w, r, v, id, status, strings.Join(notice, " "), status != http.StatusOK)
}

// file sends a file of a case to download, never to show: whatever its
// name and type say, a browser saves it, and nothing in it runs on the
// dashboard's origin.
func (d *Dashboard) file(w http.ResponseWriter, r *http.Request, v bot.Viewer) {
	caseID, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	id, err2 := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err1 != nil || err2 != nil || caseID <= 0 || id <= 0 {
		d.fail(w, r, &v, http.StatusNotFound, bot.T("web.error.not_found"))
		return
	}
	f, err := d.opt.Core.Attachment(r.Context(), v, caseID, id)
	if err != nil {
		d.failErr(w, r, &v, "file", err)
		return
	}
	name := f.Name
	if name == "" {
		name = "file"
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(f.Data)))
	_, _ = w.Write(f.Data)
}

// maxForm bounds a form posted on a case page: the longest text a command
// takes, in the widest characters, and room for the rest.
const maxForm = 4*bot.MaxText + 1024

// oneLine is text from a form as a command's argument: its line breaks
// kept as the command keeps them (the core cleans the text).
func oneLine(s string) string { return strings.TrimSpace(s) }

// safeLink reports whether u is a web address a page may link to.
func safeLink(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != ""
}

func (d *Dashboard) sessions(w http.ResponseWriter, r *http.Request, v bot.Viewer) {
	pageNo, _ := strconv.Atoi(trimmed(r.URL.Query().Get("page"), 12))
	sp, err := d.opt.Core.Sessions(r.Context(), v, pageNo)
	if err != nil {
		d.failErr(w, r, &v, "sessions", err)
		return
	}
	p := d.newPage(v.Lang, &v, bot.T("web.sessions.title"))
	p.Nav = "sessions"
	type row struct {
		ID, Who, Since, Until string
		Current               bool // the viewer's own: its button signs out
	}
	data := struct {
		Rows       []row
		Ended      bool
		Count      string
		PageText   string
		Prev, Next string
	}{Ended: r.URL.Query().Get("ended") == "1",
		Count:    d.text(v.Lang, bot.T("web.sessions.count").Plural(sp.Total)),
		PageText: d.text(v.Lang, bot.T("web.page", "n", bot.N(sp.Page), "of", bot.N(sp.Pages)))}
	for _, s := range sp.Rows {
		data.Rows = append(data.Rows, row{s.ID, clean(s.Who.Name), p.Date(s.Created), p.Date(s.Expires), s.Current})
	}
	if sp.Page > 1 {
		data.Prev = "/sessions?page=" + strconv.Itoa(sp.Page-1)
	}
	if sp.Page < sp.Pages {
		data.Next = "/sessions?page=" + strconv.Itoa(sp.Page+1)
	}
	d.render(w, r, http.StatusOK, "sessions", p, data)
}

func (d *Dashboard) endSession(w http.ResponseWriter, r *http.Request, v bot.Viewer) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	id := trimmed(r.PostFormValue("id"), 64)
	ok, err := d.opt.Core.EndSession(r.Context(), v, id)
	if err != nil {
		d.failErr(w, r, &v, "end a session", err)
		return
	}
	if ok {
		d.log.Info("dashboard: a session ended by staff", "by", string(v.ID))
		if _, _, still := d.session(r); !still {
			// Their own (the page shows a sign-out button there,
			// but an older page may not): they are signed out.
			d.signedOut(w, r, v.Lang)
			return
		}
	}
	http.Redirect(w, r, "/sessions?ended=1", http.StatusSeeOther)
}

var errNoTemplate = errors.New("dashboard: a page has no template")

func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"signin", "message", "cases", "case", "stats", "sessions"} {
		t, err := template.New(name).Funcs(template.FuncMap{"add": func(a, b float64) float64 { return a + b }}).
			ParseFS(files, "templates/base.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		if t.Lookup("base") == nil {
			return nil, errNoTemplate
		}
		pages[name] = t
	}
	return pages, nil
}
