package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The read side: what the dashboard and the exports show, each a query
// that takes the viewer and returns only what they may see (rights.go).
// The chat's own reads (/helpdesk status, history, list, stats) go by the
// same rules.

// Viewer is a person looking at the dashboard, with their roles as the
// roster has them now: the dashboard asks at every request, so a member
// who leaves the committee sees what a requester sees at once.
type Viewer struct {
	Member
	Lang string // the language to show the dashboard in
	// session is the hash of the session the viewer was read from
	// (Session, SignIn): Sessions marks it as theirs.
	session string
}

// SeesAll reports whether the viewer sees every case of their platform
// (committee, chair, staff).
func (v Viewer) SeesAll() bool { return seesAll(v.Member) }

// SeesStats reports whether the viewer may read the statistics.
func (v Viewer) SeesStats() bool { return seesStats(v.Member) }

// IsStaff reports whether the viewer may read the exports and sessions.
func (v Viewer) IsStaff() bool { return isStaff(v.Member) }

// CaseView is a case as the dashboard shows it to one viewer: every text
// in the core's words, for the catalog to render.
type CaseView struct {
	Case      Case
	Requester Person
	Status    Text // where it stands
	Type      Text
	Rounds    []RoundView
	Groups    []GroupView
	Timeline  []Entry
	// Platform and Thread locate the case's thread (Thread empty when it
	// has none yet).
	Platform, Thread string
	// Todo is what the case asks of the viewer now (as their to-do list
	// says it); Question the open question's text, for its requester.
	Todo     []Todo
	Question string
	// Owner is who looks after the case (ID empty when nobody).
	Owner Person
	// Next is the case's next timer, for those who see every case of its
	// platform (zero Due when none).
	Next Timer
	// Rate is set when the viewer is the requester of a resolved case,
	// who may rate the help (again).
	Rate bool
	// Files are the files that came with the requester's mail, without
	// their bytes, for those who may download them (the committee and
	// staff of its platform).
	Files []Attachment
}

// RoundView is one vote of the committee on a case.
type RoundView struct {
	N                 int
	Kind              Text
	Opened, Deadline  time.Time
	Closed, Escalated bool
	Result            Text // when decided
	Tally             Text // the votes so far, of those who may vote
	Votes             []VoteView
	ShowsWhoVotedWhat bool
}

// VoteView is one member's vote in a round.
type VoteView struct {
	Voter  Person
	Choice Text
}

// GroupView is a working group a case was routed to. Recommended says a
// recommendation was given; its text and author are there only for those
// who may read them (see seesRecommendation).
type GroupView struct {
	Group          Text
	RoutedAt       time.Time
	Claimers       []Person
	Recommended    bool
	Recommendation string
	RecommendedBy  Person
}

// Entry is one event of a case's log, as far as the viewer may read it.
type Entry struct {
	At   time.Time
	Who  Text
	What Text
	// Text is what was said (a question, an answer, a note, a reason);
	// Internal marks what the requester does not see.
	Text     string
	Internal bool
}

// CaseView reads case id for viewer, with the rights of the chat (see
// rights.go): a case they may not see is a refusal (error.not_yours), one
// that does not exist error.no_case.
func (s *Service) CaseView(ctx context.Context, viewer Viewer, id int64) (CaseView, error) {
	var cv CaseView
	err := s.view(ctx, func(w *work) error {
		c, err := w.loadCase(id)
		if err != nil {
			return err
		}
		if ok, err := w.canSee(viewer.Member, c); err != nil || !ok {
			if err == nil {
				err = refuse(NotYours, "error.not_yours", "id", caseRef(c.ID))
			}
			return err
		}
		votes := seesVotes(viewer.Member, c)
		// The same few people act on every line of the log: read each once.
		people := map[UserID]Person{}
		person := func(id UserID) Person {
			p, ok := people[id]
			if !ok {
				p = w.person(id)
				people[id] = p
			}
			return p
		}
		cv = CaseView{Case: c, Requester: person(c.Requester), Status: statusLine(c), Type: typeText(c.Type), Platform: c.Platform}
		if c.Owner != "" {
			cv.Owner = person(c.Owner)
		}
		cv.Rate = viewer.Is(c.Requester) && c.Outcome == Resolved
		var overdue []Wait
		if viewer.Roles.Staff {
			if overdue, err = w.tx.Overdue(c.ID); err != nil {
				return err
			}
		}
		if cv.Todo, err = w.caseTodo(viewer.Member, c, overdue); err != nil {
			return err
		}
		if seesFiles(viewer.Member, c) {
			if cv.Files, err = w.tx.Attachments(c.ID); err != nil {
				return err
			}
		}
		if seesVotes(viewer.Member, c) && c.Stage.Open() {
			timers, err := w.tx.Waiting(c.ID)
			if err != nil {
				return err
			}
			for _, t := range timers {
				if t.Due.After(w.now) {
					cv.Next = t
					break
				}
			}
		}
		if p, err := w.tx.Post(c.ID, PostThread); err == nil {
			cv.Thread = p.Ref
		}
		saved, err := w.tx.Votes(c.ID)
		if err != nil {
			return fmt.Errorf("read votes of case %d: %w", c.ID, err)
		}
		for n := 1; n <= c.Round; n++ {
			r, err := w.tx.Round(c.ID, n)
			if err != nil {
				return fmt.Errorf("read round %d of case %d: %w", n, c.ID, err)
			}
			rv := RoundView{N: n, Kind: T("round." + string(r.Kind)), Opened: r.OpenedAt, Deadline: r.Deadline, Closed: r.Closed, Escalated: r.Escalated, ShowsWhoVotedWhat: votes}
			if r.Result != "" {
				rv.Result = choiceText(r.Result)
			}
			b := Ballot{Kind: r.Kind, Votes: map[UserID]Choice{}}
			if !r.Closed && c.Stage.Open() {
				if b, err = w.ballot(c, r); err != nil {
					return err
				}
			} else {
				for _, v := range saved {
					if v.Round == n {
						b.Votes[v.Voter] = v.Choice
						b.Eligible = append(b.Eligible, v.Voter)
					}
				}
			}
			rv.Tally = tallyLine(r, b)
			if votes {
				voters := make([]UserID, 0, len(b.Votes))
				for u := range b.Votes {
					voters = append(voters, u)
				}
				slices.Sort(voters)
				for _, u := range voters {
					rv.Votes = append(rv.Votes, VoteView{Voter: person(u), Choice: choiceText(b.Votes[u])})
				}
			}
			cv.Rounds = append(cv.Rounds, rv)
		}
		as, err := w.tx.Assignments(c.ID)
		if err != nil {
			return fmt.Errorf("read groups of case %d: %w", c.ID, err)
		}
		var claimers []UserID
		for _, x := range as {
			claimers = append(claimers, x.Claimers...)
		}
		recommendations := seesRecommendation(viewer.Member, c, claimers)
		for _, x := range as {
			g := GroupView{Group: s.groupText(x.Group), RoutedAt: x.RoutedAt, Recommended: x.Recommendation != ""}
			for _, u := range x.Claimers {
				g.Claimers = append(g.Claimers, person(u))
			}
			if recommendations && g.Recommended {
				g.Recommendation = x.Recommendation
				if x.RecommendedBy != "" {
					g.RecommendedBy = person(x.RecommendedBy)
				}
			}
			cv.Groups = append(cv.Groups, g)
		}
		evs, err := w.tx.Events(c.ID)
		if err != nil {
			return fmt.Errorf("read events of case %d: %w", c.ID, err)
		}
		internal := seesInternal(viewer.Member, c)
		for _, e := range evs {
			if e.Internal && !internal || !votes && (e.Type == EvVoteCast || e.Type == EvVoteRemoved) {
				continue
			}
			who := T("history.helpdesk")
			if e.Actor != "" {
				who = T("person", "who", P(person(e.Actor)))
			}
			text := e.Text
			if e.Type == EvRecommended && !recommendations {
				text = ""
			}
			cv.Timeline = append(cv.Timeline, Entry{At: e.At, Who: who, What: s.eventText(e), Text: text, Internal: e.Internal})
			if e.Type == EvAsked {
				cv.Question = text
			}
		}
		return nil
	})
	return cv, err
}

// CasesPerPage is how many rows a page of the cases table shows; an
// export reads ExportPerPage at a time.
const (
	CasesPerPage  = 50
	ExportPerPage = 500
)

// CaseList is what a person asks of the cases table: filters, an order, a
// page. Values the helpdesk does not know (a stage, a type, a group, an
// order) are ignored, as if not given.
type CaseList struct {
	// State is ListOpen (the default), ListClosed or ListAll.
	State   string
	Outcome Outcome // of closed cases
	Stage   Stage
	Type    RequestType
	Group   string
	// Owner is OwnerMe, OwnerNone, or the id of the staff member who
	// looks after the cases; "" is anyone.
	Owner string
	// Overdue keeps the cases with a wait past its first reminder, or a
	// vote waiting for the chair.
	Overdue bool
	Search  string
	Sort    string // one of SortBy; "" is SortWaiting
	Desc    bool
	// Waiting asks for what waits for the viewer: the cases of their
	// to-do list (Service.Todo), whatever their part.
	Waiting bool
	Page    int // from 1
	PerPage int // 0 is CasesPerPage; at most ExportPerPage
}

// The states and owners a CaseList may ask for.
const (
	ListOpen   = "open"
	ListClosed = "closed"
	ListAll    = "all"
	OwnerMe    = "me"
	OwnerNone  = "none"
)

// CasesPage is one page of the cases table as a viewer may see it.
type CasesPage struct {
	Rows        []CaseRow
	Total       int
	Page, Pages int
	// Todo is the viewer's to-do list when "waiting for me" was asked.
	Todo []Todo
	// Query is the filter as applied (unknown values dropped).
	Query CaseList
}

// The orders of the cases table.
const (
	SortWaiting  = "waiting" // since the last change, the oldest first
	SortNumber   = "number"
	SortOpened   = "opened"
	SortTitle    = "title"
	SortStage    = "stage"
	SortDeadline = "deadline" // the next deadline, the soonest first
)

// SortBy lists the orders of the cases table.
var SortBy = []string{SortWaiting, SortNumber, SortOpened, SortTitle, SortStage, SortDeadline}

// Cases reads a page of the cases viewer may see that match l.
func (s *Service) Cases(ctx context.Context, viewer Viewer, l CaseList) (CasesPage, error) {
	if !slices.Contains(Stages, l.Stage) {
		l.Stage = ""
	}
	if !slices.Contains(RequestTypes, l.Type) {
		l.Type = ""
	}
	if !slices.ContainsFunc(s.cfg.Groups, func(g Group) bool { return g.ID == l.Group }) {
		l.Group = ""
	}
	if !slices.Contains(SortBy, l.Sort) {
		l.Sort = SortWaiting
	}
	if l.State != ListClosed && l.State != ListAll {
		l.State = ListOpen
	}
	if !slices.Contains(Outcomes, l.Outcome) || l.State == ListOpen {
		l.Outcome = ""
	}
	if l.PerPage <= 0 || l.PerPage > ExportPerPage {
		l.PerPage = CasesPerPage
	}
	l.Page = clampPage(l.Page)
	sc := scopeOf(viewer.Member)
	q := CaseQuery{Stage: l.Stage, Type: l.Type, Group: l.Group, Search: l.Search, Scope: &sc,
		Outcome: l.Outcome, Overdue: l.Overdue, Sort: l.Sort, Desc: l.Desc, Limit: l.PerPage}
	switch l.State {
	case ListOpen:
		q.Open = true
	case ListClosed:
		q.Stage = Closed
	}
	if q.Stage == Closed && l.State == ListOpen {
		q.Open, l.State = false, ListClosed // a stage the filter names wins
	}
	switch l.Owner {
	case "":
	case OwnerMe:
		q.Owner = viewer.ID
	case OwnerNone:
		q.Unowned = true
	default:
		if UserID(l.Owner).Platform() != viewer.ID.Platform() {
			l.Owner = ""
		} else {
			q.Owner = UserID(l.Owner)
		}
	}
	out := CasesPage{Page: l.Page}
	err := s.view(ctx, func(w *work) error {
		var err error
		if l.Waiting {
			if out.Todo, err = w.todo(viewer.Member); err != nil {
				return err
			}
			q.IDs = []int64{}
			for _, t := range out.Todo {
				if !slices.Contains(q.IDs, t.Case.ID) {
					q.IDs = append(q.IDs, t.Case.ID)
				}
			}
		}
		q.Offset = (l.Page - 1) * l.PerPage
		out.Rows, out.Total, err = w.tx.CasePage(q)
		if err != nil {
			return err
		}
		out.Pages = pages(out.Total, l.PerPage)
		if l.Page > out.Pages {
			// Past the end: the last page.
			l.Page, out.Page = out.Pages, out.Pages
			q.Offset = (l.Page - 1) * l.PerPage
			out.Rows, out.Total, err = w.tx.CasePage(q)
		}
		return err
	})
	if err != nil {
		return CasesPage{}, fmt.Errorf("cases table: %w", err)
	}
	out.Query = l
	return out, nil
}

// StatsMonths is how many months the statistics go back.
const StatsMonths = 12

// Stats reads the statistics of the last StatsMonths months, for those
// who may read them (the committee and staff, as /helpdesk stats). They
// are counts of the whole helpdesk, every platform, and name nobody. The
// months and quarters begin with the first that has a case: a helpdesk
// younger than the window is not shown a row of empty months.
func (s *Service) Stats(ctx context.Context, viewer Viewer) (Stats, error) {
	if !seesStats(viewer.Member) {
		return Stats{}, refuse(NotYours, "error.committee_or_staff")
	}
	var st Stats
	err := s.view(ctx, func(w *work) error {
		now := w.now
		from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -(StatsMonths - 1), 0)
		var err error
		st, err = w.tx.Stats(from, now)
		return err
	})
	if err != nil {
		return Stats{}, fmt.Errorf("statistics: %w", err)
	}
	for len(st.Months) > 0 && st.Months[0].Total == 0 {
		st.Months = st.Months[1:]
	}
	for len(st.Closed) > 0 && st.Closed[0].Total == 0 {
		st.Closed = st.Closed[1:]
	}
	for len(st.Quarters) > 0 && st.Quarters[0].Filed == 0 {
		st.Quarters = st.Quarters[1:]
	}
	st.Groups = s.byConfiguredGroup(st.Groups)
	return st, nil
}

// byConfiguredGroup puts the loads of the working groups in the order of
// the configuration, every configured group present, and after them any
// group the configuration no longer has that still has cases.
func (s *Service) byConfiguredGroup(loads []GroupLoad) []GroupLoad {
	out := make([]GroupLoad, 0, len(s.cfg.Groups))
	for _, g := range s.cfg.Groups {
		l := GroupLoad{Group: g.ID}
		if i := slices.IndexFunc(loads, func(l GroupLoad) bool { return l.Group == g.ID }); i >= 0 {
			l = loads[i]
		}
		out = append(out, l)
	}
	var gone []GroupLoad
	for _, l := range loads {
		if _, ok := s.group(l.Group); !ok {
			gone = append(gone, l)
		}
	}
	slices.SortFunc(gone, func(a, b GroupLoad) int { return strings.Compare(a.Group, b.Group) })
	return append(out, gone...)
}

// Figures reads the few figures of the whole helpdesk that its operators'
// metrics show (cases by stage, the outbox's backlog): counts, no person.
func (s *Service) Figures(ctx context.Context) (Figures, error) {
	var f Figures
	err := s.view(ctx, func(w *work) error {
		var err error
		f, err = w.tx.Figures(w.now)
		return err
	})
	return f, err
}

// Labels the dashboard shows, in the core's words.
func StageText(st Stage) Text               { return stageText(st) }
func TypeText(t RequestType) Text           { return typeText(t) }
func OutcomeText(o Outcome) Text            { return outcomeText(o) }
func (s *Service) GroupText(id string) Text { return s.groupText(id) }

// What the store reads for the read side.

// CaseQuery selects and orders a page of the cases table. Zero fields
// select everything.
type CaseQuery struct {
	Stage  Stage
	Open   bool // open cases only
	Type   RequestType
	Group  string // routed to this working group
	Search string // in the title
	// Outcome keeps closed cases that ended so.
	Outcome Outcome
	// Owner keeps the cases this person looks after; Unowned those
	// nobody does.
	Owner   UserID
	Unowned bool
	// Overdue keeps open cases with a wait past its first reminder or a
	// vote waiting for the chair.
	Overdue bool
	// IDs, when not nil, keeps these cases only.
	IDs []int64
	// VoteAwaits: under review, in a round this committee member has not
	// voted in (and not their own request).
	VoteAwaits UserID
	// Scope, when set, keeps what one person may see (rights.go).
	Scope *Scope
	// Sort is one of SortBy; Desc reverses it.
	Sort   string
	Desc   bool
	Offset int
	Limit  int
}

// CaseRow is a row of the cases table.
type CaseRow struct {
	Case
	NextDeadline time.Time // the deadline of the vote in progress; zero when none
	// OwnerName is how the platform names the case's owner; empty when
	// nobody looks after it (or the owner is not known by name).
	OwnerName string
}

// Stats are the figures of the statistics page.
type Stats struct {
	// Months are the requests filed in each month since From, by type,
	// every month present.
	Months []MonthCount
	// Closed are the cases closed in each month since From, by outcome,
	// every month present.
	Closed []MonthOutcomes
	Stages map[Stage]int
	// Quarters hold the times to each milestone of the cases filed in
	// each quarter since From.
	Quarters []QuarterTimes
	// InStage is how long cases stayed in each stage, over the stays that
	// ended since From (a stay still going on is not counted); a stage
	// no case left since then is absent.
	InStage map[Stage]Spread
	// Groups are the open cases of each working group; the store gives
	// those with any, Service.Stats every configured group.
	Groups  []GroupLoad
	Ratings [5]int // how many cases were rated 1 … 5
}

// MonthCount is one month's requests.
type MonthCount struct {
	Month  time.Time // its first day, UTC
	ByType map[RequestType]int
	Total  int
}

// MonthOutcomes is one month's closed cases.
type MonthOutcomes struct {
	Month     time.Time // its first day, UTC
	ByOutcome map[Outcome]int
	Total     int
}

// QuarterTimes are the times from filing to each milestone of the cases
// filed in one quarter.
type QuarterTimes struct {
	Quarter  time.Time // its first day, UTC
	Filed    int       // the cases filed in it
	Initial  Spread    // to the initial feedback
	FinalGo  Spread    // to the final go
	Resolved Spread    // to the resolution
}

// GroupLoad is a working group's open cases: those routed to it that are
// not closed, and of those the overdue ones, with a wait for the group (a
// card to claim, a recommendation to give) gone past its first reminder.
type GroupLoad struct {
	Group         string
	Open, Overdue int
}

// Spread is a set of durations by their quartiles and 90th percentile.
type Spread struct {
	N                          int
	P25, Median, P75, P90, Max time.Duration
}

// Figures are the few numbers about the whole helpdesk that the operators'
// metrics show, read in a handful of indexed rows however many cases and
// events the database holds.
type Figures struct {
	// Stages counts the cases in each stage; every stage is present,
	// zero or not.
	Stages map[Stage]int
	// Outbox is the work waiting for each platform that has any.
	Outbox map[string]Backlog
	// Overdue counts the open cases with a wait gone past its first
	// reminder, by kind of wait (WaitKinds, every one present), and under
	// OverdueDecision those whose vote the rule handed to the chair.
	Overdue map[string]int
}

// OverdueDecision is the kind of Figures.Overdue for a vote past its
// deadline that waits for the chair's decision.
const OverdueDecision = "decision"

// Backlog is a platform's pending outbox work.
type Backlog struct {
	Due     int           // items due now (not put off until later)
	Waiting int           // items put off: retried later, or held back
	Oldest  time.Duration // how long the oldest due item has waited since it was made
}
