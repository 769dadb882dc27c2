package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A to-do list for everyone: what waits for a person, by what they are in
// the helpdesk. /helpdesk todo answers with it, the daily digest sends it,
// and the dashboard's "waiting for me" shows the same.

// TodoKind says what a to-do item asks of a person.
type TodoKind string

// The kinds of to-do items, in the order a list shows them.
const (
	TodoAnswer    TodoKind = "answer"    // a requester: the committee's question
	TodoDecide    TodoKind = "decide"    // the chair: a round the rule handed over
	TodoVote      TodoKind = "vote"      // a committee member: a round they have not voted in
	TodoClaim     TodoKind = "claim"     // a group member: a card of their group nobody claimed
	TodoRecommend TodoKind = "recommend" // who claimed a case: the recommendation
	TodoTake      TodoKind = "take"      // staff: a case in support nobody owns
	TodoOwned     TodoKind = "owned"     // an owner: the cases they look after
	TodoOverdue   TodoKind = "overdue"   // staff: a wait gone past its reminder
)

// TodoKinds lists the kinds in the order of a list.
var TodoKinds = []TodoKind{TodoAnswer, TodoDecide, TodoVote, TodoClaim, TodoRecommend, TodoTake, TodoOwned, TodoOverdue}

// Todo is one thing that waits for a person.
type Todo struct {
	Kind  TodoKind
	Case  Case
	Group string    // the working group, for claim and recommend
	Wait  TimerKind // for overdue
	Since time.Time // since when it waits
	Due   time.Time // a round's deadline, for vote
}

// Todo lists what waits for viewer now, by kind then case.
func (s *Service) Todo(ctx context.Context, viewer Viewer) ([]Todo, error) {
	var out []Todo
	err := s.view(ctx, func(w *work) error {
		var err error
		out, err = w.todo(viewer.Member)
		return err
	})
	return out, err
}

// todo lists what waits for m: their own cases' open questions, and on
// their platform what their roles ask of them.
func (w *work) todo(m Member) ([]Todo, error) {
	var cases []Case
	own, err := w.tx.Cases(CaseFilter{Requester: m.ID, OpenOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list own cases: %w", err)
	}
	cases = append(cases, own...)
	var overdue map[int64][]Wait
	if m.Roles.Committee || m.Roles.Chair || m.Roles.Staff || len(m.Roles.Groups) > 0 {
		all, err := w.tx.Cases(CaseFilter{Platform: m.ID.Platform(), OpenOnly: true})
		if err != nil {
			return nil, fmt.Errorf("list open cases: %w", err)
		}
		for _, c := range all {
			if !m.Is(c.Requester) {
				cases = append(cases, c)
			}
		}
		if m.Roles.Staff {
			waits, err := w.tx.Overdue(0)
			if err != nil {
				return nil, err
			}
			overdue = map[int64][]Wait{}
			for _, o := range waits {
				overdue[o.CaseID] = append(overdue[o.CaseID], o)
			}
		}
	}
	var out []Todo
	for _, c := range cases {
		items, err := w.caseTodo(m, c, overdue[c.ID])
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	slices.SortStableFunc(out, func(a, b Todo) int {
		if d := slices.Index(TodoKinds, a.Kind) - slices.Index(TodoKinds, b.Kind); d != 0 {
			return d
		}
		return int(a.Case.ID - b.Case.ID)
	})
	return out, nil
}

// caseTodo is what open case c asks of m now, by the same rules as todo;
// overdue are the case's waits past their first reminder (for staff).
func (w *work) caseTodo(m Member, c Case, overdue []Wait) ([]Todo, error) {
	if !c.Stage.Open() {
		return nil, nil
	}
	var out []Todo
	if m.Is(c.Requester) {
		// Their own request: what it asks of them as its requester, and
		// nothing of their roles (they are recused).
		if c.Stage != NeedsInfo && c.Stage != InitialReview {
			return nil, nil
		}
		since, open, err := w.openQuestion(c)
		if err != nil || !open {
			return nil, err
		}
		return []Todo{{Kind: TodoAnswer, Case: c, Since: since}}, nil
	}
	if m.ID.Platform() != c.Platform {
		return nil, nil // roles are a platform's
	}
	committee, staff := m.Roles.Committee || m.Roles.Chair, m.Roles.Staff
	switch c.Stage {
	case InitialReview, FinalReview:
		if committee || staff {
			items, err := w.roundTodo(m, c)
			if err != nil {
				return nil, err
			}
			out = append(out, items...)
		}
	case WorkingGroup:
		if len(m.Roles.Groups) > 0 {
			as, err := w.tx.Assignments(c.ID)
			if err != nil {
				return nil, fmt.Errorf("read groups of case %d: %w", c.ID, err)
			}
			for _, a := range as {
				switch {
				case a.Recommendation != "":
				case slices.Contains(a.Claimers, m.ID):
					out = append(out, Todo{Kind: TodoRecommend, Case: c, Group: a.Group, Since: a.RoutedAt})
				case len(a.Claimers) == 0 && m.Roles.InGroup(a.Group):
					out = append(out, Todo{Kind: TodoClaim, Case: c, Group: a.Group, Since: a.RoutedAt})
				}
			}
		}
	case Support:
		if staff && c.Owner == "" {
			out = append(out, Todo{Kind: TodoTake, Case: c, Since: c.UpdatedAt})
		}
	}
	if c.Owner == m.ID {
		out = append(out, Todo{Kind: TodoOwned, Case: c, Since: c.UpdatedAt})
	}
	if staff {
		for _, o := range overdue {
			// A case in support nobody owns is already listed to take, and
			// one the person owns as theirs.
			if o.Kind != TimerSupport && c.Owner != m.ID {
				out = append(out, Todo{Kind: TodoOverdue, Case: c, Group: o.Subject, Wait: o.Kind, Since: o.Since})
			}
		}
	}
	return out, nil
}

// roundTodo is what the round in progress of c asks of m: a vote, or the
// decision the rule handed to them.
func (w *work) roundTodo(m Member, c Case) ([]Todo, error) {
	r, err := w.tx.Round(c.ID, c.Round)
	if err != nil {
		return nil, fmt.Errorf("read round %d of case %d: %w", c.Round, c.ID, err)
	}
	if r.Closed {
		return nil, nil
	}
	if r.Escalated {
		deciders, err := w.deciders(c)
		if err != nil {
			return nil, err
		}
		if slices.Contains(deciders, m.ID) {
			return []Todo{{Kind: TodoDecide, Case: c, Since: r.Deadline, Due: r.Deadline}}, nil
		}
		return nil, nil
	}
	b, err := w.ballot(c, r)
	if err != nil {
		return nil, err
	}
	if _, voted := b.Votes[m.ID]; !voted && slices.Contains(b.Eligible, m.ID) {
		return []Todo{{Kind: TodoVote, Case: c, Since: r.OpenedAt, Due: r.Deadline}}, nil
	}
	return nil, nil
}

// openQuestion reports whether the committee asked the requester of c a
// question not answered since, and when.
func (w *work) openQuestion(c Case) (time.Time, bool, error) {
	evs, err := w.tx.Events(c.ID)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read events of case %d: %w", c.ID, err)
	}
	var since time.Time
	open := false
	for _, e := range evs {
		switch e.Type {
		case EvAsked:
			open, since = true, e.At
		case EvAnswered:
			open = false
		}
	}
	return since, open, nil
}

// todoLine is an item of a to-do list as a person reads it.
func (w *work) todoLine(t Todo) Text {
	c := t.Case
	id, title := caseRef(c.ID), c.TitleArg()
	switch t.Kind {
	case TodoAnswer:
		return T("todo.answer", "id", id, "title", title, "since", At(t.Since), "cmd", command(fmt.Sprintf("answer #%d …", c.ID)))
	case TodoDecide:
		return T("todo.decide", "id", id, "title", title, "since", At(t.Since), "cmd", command(fmt.Sprintf("decide #%d …", c.ID)))
	case TodoVote:
		return T("todo.vote", "id", id, "title", title, "kind", X(T("round."+string(KindOf(c)))), "at", At(t.Due))
	case TodoClaim:
		return T("todo.claim", "id", id, "title", title, "group", X(w.s.groupText(t.Group)), "since", At(t.Since), "cmd", command(fmt.Sprintf("claim #%d", c.ID)))
	case TodoRecommend:
		return T("todo.recommend", "id", id, "title", title, "group", X(w.s.groupText(t.Group)), "cmd", command(fmt.Sprintf("recommend #%d …", c.ID)))
	case TodoTake:
		return T("todo.take", "id", id, "title", title, "since", At(t.Since), "cmd", command(fmt.Sprintf("take #%d", c.ID)))
	case TodoOwned:
		return T("todo.owned", "id", id, "title", title, "stage", X(statusLine(c)))
	case TodoOverdue:
		what := T("wait." + string(t.Wait))
		if t.Group != "" && (t.Wait == TimerUnclaimed || t.Wait == TimerRecommend) {
			what = T("wait."+string(t.Wait)+".group", "group", X(w.s.groupText(t.Group)))
		}
		return T("todo.overdue", "id", id, "title", title, "what", X(what), "since", At(t.Since))
	}
	return T("todo.owned", "id", id, "title", title, "stage", X(statusLine(c)))
}

// KindOf is the kind of vote a case under review is in.
func KindOf(c Case) RoundKind {
	if c.Stage == FinalReview {
		return FinalRound
	}
	return InitialRound
}

func (s *Service) todoCmd(ctx context.Context, a asker, args string) (Response, error) {
	page, _ := s.pageArg(a.lang, args)
	var lines []Text
	err := s.view(ctx, func(w *work) error {
		items, err := w.todo(a.Member)
		for _, t := range items {
			lines = append(lines, w.todoLine(t))
		}
		return err
	})
	if err != nil {
		return Response{}, fmt.Errorf("to-do list: %w", err)
	}
	if len(lines) == 0 {
		return s.reply(a.lang, T("todo.none")), nil
	}
	return s.paged(a.lang, T("todo.title").Plural(len(lines)), lines, casesPerPage, page, false, "todo", Arg{}), nil
}

// digestCmd turns the daily digest on (at an hour of the helpdesk's time
// zone) or off, or says how it is.
func (s *Service) digestCmd(ctx context.Context, a asker, args string) (Response, error) {
	f := strings.Fields(strings.ToLower(args))
	zone := C(s.cfg.Location.String())
	usage := command("digest on|off")
	if len(f) == 0 {
		var hour int
		err := s.view(ctx, func(w *work) error {
			var err error
			hour, err = w.tx.Digest(a.ID)
			return err
		})
		if err != nil {
			return Response{}, fmt.Errorf("read digest: %w", err)
		}
		if hour < 0 {
			return s.reply(a.lang, T("digest.is_off", "cmd", command("digest on"))), nil
		}
		return s.reply(a.lang, T("digest.is_on", "hour", N(hour), "zone", zone, "cmd", command("digest off"))), nil
	}
	hour := -1
	switch f[0] {
	case "on":
		hour = s.cfg.Waits.DigestHour
		if len(f) > 1 {
			h, err := strconv.Atoi(latinDigits(strings.TrimSuffix(f[1], ":00")))
			if err != nil || h < 0 || h > 23 {
				return Response{}, refuse(Malformed, "digest.hour", "cmd", command("digest on 8"))
			}
			hour = h
		}
	case "off":
	default:
		return Response{}, refuse(Malformed, "digest.usage", "cmd", usage)
	}
	err := s.update(ctx, func(w *work) error {
		if err := w.tx.SetDigest(a.ID, hour); err != nil {
			return err
		}
		if err := w.tx.CancelPersonTimers(TimerDigest, string(a.ID)); err != nil {
			return err
		}
		if hour < 0 {
			return nil
		}
		return w.tx.AddTimer(Timer{Kind: TimerDigest, Subject: string(a.ID), Since: w.now, Due: nextHour(w.now, hour, s.cfg.Location)})
	})
	if err != nil {
		return Response{}, fmt.Errorf("set digest: %w", err)
	}
	if hour < 0 {
		return s.reply(a.lang, T("digest.off")), nil
	}
	return s.reply(a.lang, T("digest.on", "hour", N(hour), "zone", zone, "cmd", command("todo"))), nil
}

// nextHour is the next time after now that the clock of loc shows hour:00.
func nextHour(now time.Time, hour int, loc *time.Location) time.Time {
	l := now.In(loc)
	t := time.Date(l.Year(), l.Month(), l.Day(), hour, 0, 0, 0, loc)
	for !t.After(now) {
		l = l.AddDate(0, 0, 1)
		t = time.Date(l.Year(), l.Month(), l.Day(), hour, 0, 0, 0, loc)
	}
	return t
}

// digest sends a person their to-do list, when it has anything, and times
// the next one.
func (w *work) digest(t Timer) error {
	user := UserID(t.Subject)
	hour, err := w.tx.Digest(user)
	if err != nil || hour < 0 {
		return err
	}
	m, err := w.member(user)
	if err != nil {
		return err
	}
	items, err := w.todo(m)
	if err != nil {
		return err
	}
	if len(items) > 0 {
		lines := []Text{T("digest.title").Plural(len(items))}
		for i, it := range items {
			if i == casesPerPage {
				lines = append(lines, T("digest.more", "cmd", command("todo page 2")).Plural(len(items)-i))
				break
			}
			lines = append(lines, w.todoLine(it))
		}
		msg := w.to(user, lines...)
		msg.Lines = append(msg.Lines, T("digest.stop", "cmd", command("digest off")))
		if err := w.dm(Case{Platform: user.Platform()}, NoPost, user, msg); err != nil {
			return err
		}
	}
	next := Timer{Kind: TimerDigest, Subject: t.Subject, Since: w.now, Due: nextHour(w.now, hour, w.s.cfg.Location)}
	return w.tx.AddTimer(next)
}

// TodoText is an item of a to-do list as a person reads it, for pages
// that show the list (the dashboard's "waiting for me").
func (s *Service) TodoText(t Todo) Text {
	w := &work{s: s}
	return w.todoLine(t)
}

// Staff lists the staff members of the viewer's platform, for those who
// see every case of it (the cases table's filter by owner).
func (s *Service) Staff(ctx context.Context, viewer Viewer) ([]Person, error) {
	if !seesAll(viewer.Member) {
		return nil, nil
	}
	var out []Person
	err := s.view(ctx, func(w *work) error {
		all, err := w.tx.Members(viewer.ID.Platform())
		for _, m := range all {
			if m.Roles.Staff {
				out = append(out, w.person(m.ID))
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	return out, nil
}
