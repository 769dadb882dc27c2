package bot

import (
	"fmt"
	"slices"
	"time"
)

// Nothing stalls silently. Every time the helpdesk waits for someone — a
// requester to answer a question, a working group to claim a card or give
// its recommendation, staff to take a case in support, an owner to move
// an owned case on — a timer row says until when. Like a round's deadline
// it survives restarts and fires once. A wait's timers form a chain:
// step 1 reminds the one waited for, step 2 tells those above (the
// committee, the chair and staff), step 3 (a question only) closes the
// case as abandoned. The wait ends when what was waited for happens: its
// timers are cancelled, fired or not (Tx.EndWait), so a wait whose first
// reminder fired and that has not ended is what "overdue" means
// (Tx.Overdue).

// Waits are how long each wait may last before someone is reminded, then
// told. Zero takes the default; a negative duration switches that step
// off.
type Waits struct {
	// A question the committee asked the requester: the requester is
	// reminded after QuestionRemind, the committee told after
	// QuestionEscalate, and the case closed as abandoned after
	// QuestionClose (all counted from the question).
	QuestionRemind, QuestionEscalate, QuestionClose time.Duration
	// A working group's card nobody claimed: the group is reminded in its
	// channel, then the chair and staff told.
	UnclaimedRemind, UnclaimedEscalate time.Duration
	// A group that claimed a case and gave no recommendation: those who
	// claimed it are reminded, then the chair and staff told.
	RecommendRemind, RecommendEscalate time.Duration
	// An owned case where nothing happened for IdleRemind: its owner is
	// reminded, and again after each such stretch.
	IdleRemind time.Duration
	// ReopenWithin is how long after closing the requester may reopen
	// their case (staff may at any time).
	ReopenWithin time.Duration
	// DigestHour is the hour of the daily digest for those who turn it
	// on without naming one, in the helpdesk's time zone.
	DigestHour int
}

// DefaultWaits are the waits of a volunteer helpdesk: people answer
// within days, not hours.
var DefaultWaits = Waits{
	QuestionRemind: 5 * day, QuestionEscalate: 10 * day, QuestionClose: 30 * day,
	UnclaimedRemind: 3 * day, UnclaimedEscalate: 7 * day,
	RecommendRemind: 7 * day, RecommendEscalate: 14 * day,
	IdleRemind:   7 * day,
	ReopenWithin: 30 * day,
	DigestHour:   8,
}

const day = 24 * time.Hour

// WithDefaults is ws with its zero fields set to DefaultWaits'.
func (ws Waits) WithDefaults() Waits { ws.fill(); return ws }

func (ws *Waits) fill() {
	d := DefaultWaits
	for _, f := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&ws.QuestionRemind, d.QuestionRemind}, {&ws.QuestionEscalate, d.QuestionEscalate}, {&ws.QuestionClose, d.QuestionClose},
		{&ws.UnclaimedRemind, d.UnclaimedRemind}, {&ws.UnclaimedEscalate, d.UnclaimedEscalate},
		{&ws.RecommendRemind, d.RecommendRemind}, {&ws.RecommendEscalate, d.RecommendEscalate},
		{&ws.IdleRemind, d.IdleRemind}, {&ws.ReopenWithin, d.ReopenWithin},
	} {
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if ws.DigestHour < 0 || ws.DigestHour > 23 {
		ws.DigestHour = d.DigestHour
	}
}

// steps are the durations of a kind of wait's chain, from its start:
// step i+1 falls due at since+steps[i]; a step off (≤ 0) is skipped.
func (ws Waits) steps(k TimerKind) []time.Duration {
	switch k {
	case TimerQuestion:
		return []time.Duration{ws.QuestionRemind, ws.QuestionEscalate, ws.QuestionClose}
	case TimerUnclaimed:
		return []time.Duration{ws.UnclaimedRemind, ws.UnclaimedEscalate}
	case TimerRecommend:
		return []time.Duration{ws.RecommendRemind, ws.RecommendEscalate}
	case TimerIdle:
		return []time.Duration{ws.IdleRemind}
	}
	return nil
}

// startWait begins a wait of kind about subject on c now, ending any
// earlier one of the same kind and subject: its first step on is timed.
func (w *work) startWait(c Case, kind TimerKind, subject string) error {
	if err := w.tx.EndWait(c.ID, kind, subject); err != nil {
		return err
	}
	return w.nextStep(c, kind, subject, w.now, 0)
}

// endWait ends a wait: what was waited for happened.
func (w *work) endWait(c Case, kind TimerKind, subject string) error {
	return w.tx.EndWait(c.ID, kind, subject)
}

// nextStep times the first step of a wait's chain after step after, if
// any is on.
func (w *work) nextStep(c Case, kind TimerKind, subject string, since time.Time, after int) error {
	steps := w.s.cfg.Waits.steps(kind)
	for i := after; i < len(steps); i++ {
		if steps[i] <= 0 {
			continue
		}
		t := Timer{CaseID: c.ID, Kind: kind, Subject: subject, Step: i + 1, Since: since, Due: since.Add(steps[i])}
		if err := w.tx.AddTimer(t); err != nil {
			return fmt.Errorf("set %s timer of case %d: %w", kind, c.ID, err)
		}
		return nil
	}
	return nil
}

// restart ends a wait and times its step once more from since: the one
// waited for acted, so the wait counts from then, and is no longer overdue.
func (w *work) restart(c Case, t Timer, since time.Time) error {
	if err := w.tx.EndWait(c.ID, t.Kind, t.Subject); err != nil {
		return err
	}
	return w.again(c, t, since)
}

// again times a wait's step once more, from a new start: after a
// reminder, the next one.
func (w *work) again(c Case, t Timer, since time.Time) error {
	steps := w.s.cfg.Waits.steps(t.Kind)
	if t.Step < 1 || t.Step > len(steps) {
		return nil
	}
	t.Since, t.Due = since, since.Add(steps[t.Step-1])
	if err := w.tx.AddTimer(t); err != nil {
		return fmt.Errorf("set %s timer of case %d: %w", t.Kind, c.ID, err)
	}
	return nil
}

// waitTimer acts on a wait's timer that fell due. A timer that fell due
// while the helpdesk was not running acts as the latest step due by now:
// after a long stop a requester is not reminded to answer a minute before
// the case is closed for want of an answer.
func (w *work) waitTimer(c Case, t Timer) error {
	for i, d := range w.s.cfg.Waits.steps(t.Kind) {
		if i+1 > t.Step && d > 0 && !w.now.Before(t.Since.Add(d)) {
			t.Step = i + 1
		}
	}
	switch t.Kind {
	case TimerSupport:
		if c.Stage != Support || c.Owner != "" {
			return nil
		}
		return w.tellStaffSupport(c, true)
	case TimerQuestion:
		if c.Stage != NeedsInfo && c.Stage != InitialReview {
			return nil
		}
		return w.questionStep(c, t)
	case TimerUnclaimed:
		return w.unclaimedStep(c, t)
	case TimerRecommend:
		return w.recommendStep(c, t)
	case TimerIdle:
		return w.idleStep(c, t)
	}
	return nil
}

// reminded records that a wait's timer told someone.
func (w *work) reminded(c Case, t Timer, to string) error {
	return w.event(c, "", EvWaitReminded, "wait", string(t.Kind), "step", fmt.Sprint(t.Step), "subject", t.Subject, "to", to)
}

func (w *work) questionStep(c Case, t Timer) error {
	id := caseRef(c.ID)
	answer := command(fmt.Sprintf("answer #%d …", c.ID))
	switch t.Step {
	case 1:
		lines := []Text{T(byMail(c, "dm.question.reminder"), "id", id, "title", c.TitleArg(), "since", At(t.Since), "cmd", answer)}
		if ws := w.s.cfg.Waits; ws.QuestionClose > 0 {
			lines = append(lines, T("dm.question.closes", "at", At(t.Since.Add(ws.QuestionClose))))
		}
		if err := w.tellRequester(c, NoPost, lines...); err != nil {
			return err
		}
		if err := w.reminded(c, t, "requester"); err != nil {
			return err
		}
	case 2:
		m := w.committeeMsg(T("thread.question.unanswered", "since", At(t.Since), "who", P(w.person(c.Requester))))
		if err := w.toThread(c, m); err != nil {
			return err
		}
		if err := w.reminded(c, t, "committee"); err != nil {
			return err
		}
	case 3:
		return w.abandon(&c, t)
	}
	return w.nextStep(c, t.Kind, t.Subject, t.Since, t.Step)
}

// abandon closes a case whose question stayed unanswered.
func (w *work) abandon(c *Case, t Timer) error {
	if err := w.event(*c, "", EvAbandoned); err != nil {
		return err
	}
	if err := w.toThread(*c, w.committeeMsg(T("thread.abandoned", "since", At(t.Since)))); err != nil {
		return err
	}
	if err := w.closeCase(c, Abandoned); err != nil {
		return err
	}
	lines := []Text{T("dm.abandoned", "id", caseRef(c.ID), "title", c.TitleArg(), "since", At(t.Since))}
	if ws := w.s.cfg.Waits; ws.ReopenWithin > 0 {
		lines = append(lines, T("dm.reopen.how", "cmd", command(fmt.Sprintf("reopen #%d …", c.ID)), "at", At(w.now.Add(ws.ReopenWithin))))
	}
	if err := w.tellRequester(*c, NoPost, lines...); err != nil {
		return err
	}
	return w.refreshCard(*c)
}

// assignment finds the group g of a case, or false.
func (w *work) assignment(c Case, g string) (Assignment, bool, error) {
	as, err := w.tx.Assignments(c.ID)
	if err != nil {
		return Assignment{}, false, fmt.Errorf("read groups of case %d: %w", c.ID, err)
	}
	for _, a := range as {
		if a.Group == g {
			return a, true, nil
		}
	}
	return Assignment{}, false, nil
}

func (w *work) unclaimedStep(c Case, t Timer) error {
	a, ok, err := w.assignment(c, t.Subject)
	if err != nil || !ok || c.Stage != WorkingGroup || len(a.Claimers) > 0 || a.Recommendation != "" {
		return err
	}
	switch t.Step {
	case 1:
		g, _ := w.s.group(a.Group)
		lang := g.Lang
		if lang == "" {
			lang = w.s.cfg.CommitteeLang
		}
		m := Message{Lang: lang, LinkThread: true, Lines: []Text{T("group.unclaimed",
			"id", caseRef(c.ID), "title", c.TitleArg(), "since", At(t.Since), "emoji", C(EmojiClaim), "cmd", command(fmt.Sprintf("claim #%d", c.ID)))}}
		if err := w.post(c, "", Place{Kind: InGroup, Group: a.Group}, m); err != nil {
			return err
		}
		if err := w.reminded(c, t, "group"); err != nil {
			return err
		}
	case 2:
		text := T("dm.unclaimed", "id", caseRef(c.ID), "title", c.TitleArg(), "group", X(w.s.groupText(a.Group)), "since", At(t.Since),
			"cmd", command(fmt.Sprintf("route #%d …", c.ID)))
		if err := w.tellAbove(c, t, text); err != nil {
			return err
		}
	}
	return w.nextStep(c, t.Kind, t.Subject, t.Since, t.Step)
}

func (w *work) recommendStep(c Case, t Timer) error {
	a, ok, err := w.assignment(c, t.Subject)
	if err != nil || !ok || c.Stage != WorkingGroup || a.Recommendation != "" {
		return err
	}
	// Someone who took the case up and acted since (a note, a claim)
	// is not reminded: the wait counts from their last act.
	last, err := w.lastAct(c, a.Claimers...)
	if err != nil {
		return err
	}
	if last.After(t.Since) {
		return w.restart(c, t, last)
	}
	switch t.Step {
	case 1:
		for _, u := range a.Claimers {
			m := w.to(u, T("dm.recommend.reminder", "id", caseRef(c.ID), "title", c.TitleArg(), "group", X(w.s.groupText(a.Group)),
				"since", At(t.Since), "cmd", command(fmt.Sprintf("recommend #%d …", c.ID))))
			m.LinkThread = true
			if err := w.dm(c, NoPost, u, m); err != nil {
				return err
			}
		}
		if err := w.reminded(c, t, "claimers"); err != nil {
			return err
		}
	case 2:
		text := T("dm.recommend.late", "id", caseRef(c.ID), "title", c.TitleArg(), "group", X(w.s.groupText(a.Group)), "since", At(t.Since))
		if err := w.tellAbove(c, t, text); err != nil {
			return err
		}
	}
	return w.nextStep(c, t.Kind, t.Subject, t.Since, t.Step)
}

func (w *work) idleStep(c Case, t Timer) error {
	if c.Owner == "" || c.Owner != UserID(t.Subject) {
		return nil
	}
	last, err := w.lastAct(c)
	if err != nil {
		return err
	}
	if last.After(t.Since) {
		return w.restart(c, t, last)
	}
	m := w.to(c.Owner, T("dm.idle", "id", caseRef(c.ID), "title", c.TitleArg(), "since", At(t.Since), "stage", X(statusLine(c))))
	m.LinkThread = true
	if err := w.dm(c, NoPost, c.Owner, m); err != nil {
		return err
	}
	if err := w.reminded(c, t, "owner"); err != nil {
		return err
	}
	// Reminded again after each such stretch, as long as they own it.
	return w.again(c, t, w.now)
}

// tellAbove tells the chair (or, with none, staff) and staff of the
// case's platform that a wait went on too long, each once, in their
// language.
func (w *work) tellAbove(c Case, t Timer, text Text) error {
	deciders, err := w.deciders(c)
	if err != nil {
		return err
	}
	all, err := w.tx.Members(c.Platform)
	if err != nil {
		return fmt.Errorf("list members: %w", err)
	}
	told := map[UserID]bool{}
	for _, m := range all {
		if m.Roles.Staff && !m.Is(c.Requester) {
			deciders = append(deciders, m.ID)
		}
	}
	for _, u := range deciders {
		if told[u] {
			continue
		}
		told[u] = true
		m := w.to(u, text)
		m.LinkThread = true
		if err := w.dm(c, NoPost, u, m); err != nil {
			return err
		}
	}
	if len(told) == 0 {
		w.s.log.Warn("nobody to tell that a case waits", "case", c.ID, "wait", t.Kind, "group", t.Subject)
	}
	return w.reminded(c, t, "chair_staff")
}

// lastAct is when the latest event of the case by a person happened; by
// one of people, when any are named.
func (w *work) lastAct(c Case, people ...UserID) (time.Time, error) {
	evs, err := w.tx.Events(c.ID)
	if err != nil {
		return time.Time{}, fmt.Errorf("read events of case %d: %w", c.ID, err)
	}
	var last time.Time
	for _, e := range evs {
		if e.Actor != "" && (len(people) == 0 || slices.Contains(people, e.Actor)) && e.At.After(last) {
			last = e.At
		}
	}
	return last, nil
}

// startIdle (re)starts the wait of an owned case for something to happen,
// reminding its owner.
func (w *work) startIdle(c Case) error {
	if err := w.endWait(c, TimerIdle, ""); err != nil {
		return err
	}
	return w.nextStep(c, TimerIdle, string(c.Owner), w.now, 0)
}
