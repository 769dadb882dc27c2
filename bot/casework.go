package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The helpdesk's work around the committee's votes: owners, internal
// notes, the reasons of decisions, reopening.

// take makes a staff member the owner of a case.
func (s *Service) take(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "take", args, func(w *work, c *Case, _ string) (Text, error) {
		if err := ownable(a, *c); err != nil {
			return Text{}, err
		}
		if c.Owner == a.ID {
			return T("reply.owner.already", "id", caseRef(c.ID)), nil
		}
		if err := w.setOwner(c, a.ID, a.ID); err != nil {
			return Text{}, err
		}
		return T("reply.taken", "id", caseRef(c.ID), "cmd", command(fmt.Sprintf("resolve #%d …", c.ID))), nil
	})
}

// assign gives a case to a staff member, named as the platform shows them.
func (s *Service) assign(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "assign", args, func(w *work, c *Case, rest string) (Text, error) {
		if err := ownable(a, *c); err != nil {
			return Text{}, err
		}
		who, err := w.staffNamed(c.Platform, rest)
		if err != nil {
			return Text{}, err
		}
		if c.Owner == who.ID {
			return T("reply.owner.same", "id", caseRef(c.ID), "who", P(w.person(who.ID))), nil
		}
		if err := w.setOwner(c, who.ID, a.ID); err != nil {
			return Text{}, err
		}
		if who.ID != a.ID {
			m := w.to(who.ID, T("dm.assigned", "id", caseRef(c.ID), "title", c.TitleArg(), "by", P(w.person(a.ID)), "stage", X(statusLine(*c))))
			m.LinkThread = true
			if err := w.dm(*c, NoPost, who.ID, m); err != nil {
				return Text{}, err
			}
		}
		return T("reply.assigned", "id", caseRef(c.ID), "who", P(w.person(who.ID))), nil
	})
}

// ownable checks that a may take or give case c: staff, an open case, not
// their own request.
func ownable(a asker, c Case) error {
	if !a.Roles.Staff {
		return refuse(NotYours, "error.staff_only")
	}
	if a.Is(c.Requester) {
		return refuse(NotYours, "error.recused", "id", caseRef(c.ID))
	}
	if !c.Stage.Open() {
		return refuse(NotNow, "error.closed", "id", caseRef(c.ID), "stage", X(statusLine(c)))
	}
	return nil
}

// bareName is a name as a command gives it, without the markup of a
// mention ("<@123>", "<@!123>") or a leading @.
func bareName(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s, "<@"), "!"), ">")
	return strings.TrimPrefix(s, "@")
}

// namedOutright is the person s names by themselves, as Who reads them: a
// mail address or an id as the helpdesk writes it ("discord:…"). A
// mention or an @name is not one: it is a name on the platform.
func namedOutright(s string) (UserID, bool) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "@") || strings.HasPrefix(s, "<@") || strings.ContainsAny(s, " <>") || !strings.ContainsAny(s, "@:") {
		return "", false
	}
	id, err := Who(s)
	return id, err == nil
}

// staffNamed finds the staff member of a platform a command names: by
// mention, user name or display name, ignoring case and a leading @.
func (w *work) staffNamed(platform, name string) (Member, error) {
	name = bareName(name)
	all, err := w.tx.Members(platform)
	if err != nil {
		return Member{}, fmt.Errorf("list members: %w", err)
	}
	var staff []Text
	var found []Member
	for _, m := range all {
		if !m.Roles.Staff {
			continue
		}
		staff = append(staff, T("person", "who", P(w.person(m.ID))))
		if name != "" && (strings.EqualFold(m.Name, name) || strings.EqualFold(m.ID.Local(), name)) {
			found = append(found, m)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	if name == "" {
		return Member{}, refuse(Malformed, "assign.who", "staff", L(staff), "cmd", command("assign #N NAME"))
	}
	return Member{}, refuse(Malformed, "assign.unknown", "given", S(name), "staff", L(staff))
}

// setOwner makes owner the owner of c, by by: the thread and the requester
// are told, and the owner is the one the case's timers remind from now.
func (w *work) setOwner(c *Case, owner, by UserID) error {
	c.Owner = owner
	if err := w.save(c); err != nil {
		return err
	}
	if err := w.event(*c, by, EvOwner, "owner", string(owner), "name", w.person(owner).Name); err != nil {
		return err
	}
	if err := w.endWait(*c, TimerSupport, ""); err != nil {
		return err
	}
	// The new owner is the one reminded: the wait of the one before ends.
	if err := w.startIdle(*c); err != nil {
		return err
	}
	line := T("thread.owner", "who", P(w.person(owner)))
	if by != owner {
		line = T("thread.owner.by", "who", P(w.person(owner)), "by", P(w.person(by)))
	}
	if err := w.toThread(*c, w.committeeMsg(line)); err != nil {
		return err
	}
	if err := w.invite(*c, owner); err != nil {
		return err
	}
	if err := w.tellRequester(*c, NoPost,
		T("dm.owner", "id", caseRef(c.ID), "title", c.TitleArg(), "who", P(w.person(owner))),
		T("dm.owner.next."+ownerNext(*c), "cmd", command(fmt.Sprintf("status #%d", c.ID)))); err != nil {
		return err
	}
	return w.refreshCard(*c)
}

// ownerNext names what happens next in a case's stage, as the requester
// is told with its owner.
func ownerNext(c Case) string {
	if c.Stage == Support {
		return "support"
	}
	return "review"
}

// note records an internal note on a case: for the committee, the case's
// groups and staff; never for the requester.
func (s *Service) note(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "note", args, func(w *work, c *Case, rest string) (Text, error) {
		if a.Is(c.Requester) {
			return Text{}, refuse(NotYours, "error.note_requester", "id", caseRef(c.ID))
		}
		ok, err := w.mayNote(a.Member, *c)
		if err != nil {
			return Text{}, err
		}
		if !ok {
			return Text{}, refuse(NotYours, "error.note_only", "id", caseRef(c.ID))
		}
		text, err := textArg(fmt.Sprintf("note #%d", c.ID), "hint.text", rest)
		if err != nil {
			return Text{}, err
		}
		if err := w.said(*c, a.ID, EvNote, text); err != nil {
			return Text{}, err
		}
		if err := w.claimerActed(*c, a.ID); err != nil {
			return Text{}, err
		}
		if err := w.toThread(*c, w.committeeMsg(T("thread.note", "who", P(w.person(a.ID))), Quoted(text))); err != nil {
			return Text{}, err
		}
		return T("reply.noted", "id", caseRef(c.ID)), nil
	})
}

// claimerActed restarts the wait for the recommendation of each group
// that by claimed on c and that has not recommended yet: they acted.
func (w *work) claimerActed(c Case, by UserID) error {
	if c.Stage != WorkingGroup {
		return nil
	}
	as, err := w.tx.Assignments(c.ID)
	if err != nil {
		return fmt.Errorf("read groups of case %d: %w", c.ID, err)
	}
	for _, a := range as {
		if a.Recommendation == "" && slices.Contains(a.Claimers, by) {
			if err := w.startWait(c, TimerRecommend, a.Group); err != nil {
				return err
			}
		}
	}
	return nil
}

// mayNote reports whether m may write internal notes on c: the committee
// and staff of its platform, and members of the groups it was routed to.
func (w *work) mayNote(m Member, c Case) (bool, error) {
	if seesVotes(m, c) {
		return true, nil
	}
	if m.ID.Platform() != c.Platform {
		return false, nil
	}
	as, err := w.tx.Assignments(c.ID)
	if err != nil {
		return false, fmt.Errorf("read groups of case %d: %w", c.ID, err)
	}
	for _, x := range as {
		if m.Roles.InGroup(x.Group) {
			return true, nil
		}
	}
	return false, nil
}

// reason gives the requester the committee's reason for a decline or a
// no-go that was decided by reactions, once.
func (s *Service) reason(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "reason", args, func(w *work, c *Case, rest string) (Text, error) {
		if !a.committee() && !a.Roles.Staff {
			return Text{}, refuse(NotYours, "error.committee_or_staff")
		}
		if a.Is(c.Requester) {
			return Text{}, refuse(NotYours, "error.recused", "id", caseRef(c.ID))
		}
		if c.Outcome != Declined {
			return Text{}, refuse(NotNow, "reason.not_declined", "id", caseRef(c.ID))
		}
		given, err := w.reasonGiven(*c)
		if err != nil {
			return Text{}, err
		}
		if given {
			return Text{}, refuse(NotNow, "reason.given", "id", caseRef(c.ID))
		}
		text, err := textArg(fmt.Sprintf("reason #%d", c.ID), "hint.reason", rest)
		if err != nil {
			return Text{}, err
		}
		if err := w.said(*c, a.ID, EvReason, text); err != nil {
			return Text{}, err
		}
		if err := w.toThread(*c, w.committeeMsg(T("thread.reason", "who", P(w.person(a.ID))), Quoted(text))); err != nil {
			return Text{}, err
		}
		if err := w.tellRequester(*c, NoPost, T("dm.reason", "id", caseRef(c.ID), "title", c.TitleArg()), Quoted(text)); err != nil {
			return Text{}, err
		}
		return T("reply.reason", "id", caseRef(c.ID)), nil
	})
}

// reasonGiven reports whether the requester was given the reason of the
// case's last decline.
func (w *work) reasonGiven(c Case) (bool, error) {
	evs, err := w.tx.Events(c.ID)
	if err != nil {
		return false, fmt.Errorf("read events of case %d: %w", c.ID, err)
	}
	given := false
	for _, e := range evs {
		switch {
		case e.Type == EvReason:
			given = true
		case e.Type == EvRoundDecided:
			given = e.Text != ""
		case e.Type == EvReopened:
			given = false
		}
	}
	return given, nil
}

// reopen opens a closed case again: staff at any time, the requester
// within Waits.ReopenWithin of its closing. It returns to the stage it was
// closed in, with what that stage needs: a new vote, the routing message,
// the groups' waits, staff told of support.
func (s *Service) reopen(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "reopen", args, func(w *work, c *Case, rest string) (Text, error) {
		requester := a.Is(c.Requester)
		if !requester && !a.Roles.Staff {
			return Text{}, refuse(NotYours, "error.reopen_only", "id", caseRef(c.ID))
		}
		if c.Stage.Open() {
			return Text{}, refuse(NotNow, "reopen.open", "id", caseRef(c.ID), "stage", X(statusLine(*c)))
		}
		if requester && !a.Roles.Staff {
			within := w.s.cfg.Waits.ReopenWithin
			if within <= 0 || w.now.Sub(c.ClosedAt) > within {
				return Text{}, refuse(NotNow, "reopen.too_late", "id", caseRef(c.ID), "at", At(c.ClosedAt.Add(max(within, 0))))
			}
		}
		text, err := textArg(fmt.Sprintf("reopen #%d", c.ID), "hint.reason", rest)
		if err != nil {
			return Text{}, err
		}
		to := reopenStage(*c)
		if err := w.said(*c, a.ID, EvReopened, text, "stage", string(to)); err != nil {
			return Text{}, err
		}
		if err := w.toThread(*c, w.committeeMsg(T("thread.reopened", "who", P(w.person(a.ID)), "stage", X(stageText(to))), Quoted(text))); err != nil {
			return Text{}, err
		}
		c.ClosedAt, c.ClosedFrom = time.Time{}, ""
		if err := w.setStage(c, to, ""); err != nil {
			return Text{}, err
		}
		if err := w.resume(c); err != nil {
			return Text{}, err
		}
		if !requester {
			if err := w.tellRequester(*c, NoPost, T("dm.reopened", "id", caseRef(c.ID), "title", c.TitleArg(), "stage", X(stageText(to))), Quoted(text)); err != nil {
				return Text{}, err
			}
		}
		if err := w.refreshCard(*c); err != nil {
			return Text{}, err
		}
		return T("reply.reopened", "id", caseRef(c.ID), "stage", X(stageText(to))), nil
	})
}

// reopenStage is where a closed case goes back to: the stage it was
// closed in; a case with no record of it (closed before the helpdesk
// kept one) goes to the committee's initial feedback.
func reopenStage(c Case) Stage {
	switch c.ClosedFrom {
	case InitialReview, NeedsInfo, Routing, WorkingGroup, FinalReview, Support:
		return c.ClosedFrom
	}
	return InitialReview
}

// resume gives a reopened case what its stage needs.
func (w *work) resume(c *Case) error {
	if c.Stage == InitialReview || c.Stage == NeedsInfo {
		// A question still open (the case was closed for want of an
		// answer) is waited for again.
		if _, open, err := w.openQuestion(*c); err != nil {
			return err
		} else if open && c.Stage == InitialReview {
			if err := w.startWait(*c, TimerQuestion, ""); err != nil {
				return err
			}
		}
	}
	switch c.Stage {
	case InitialReview:
		return w.startRound(c, InitialRound)
	case FinalReview:
		return w.startRound(c, FinalRound)
	case NeedsInfo:
		return w.startWait(*c, TimerQuestion, "")
	case Routing:
		return w.postRouting(*c)
	case WorkingGroup:
		as, err := w.tx.Assignments(c.ID)
		if err != nil {
			return fmt.Errorf("read groups of case %d: %w", c.ID, err)
		}
		for _, a := range as {
			if err := w.edit(*c, GroupPost(a.Group)); err != nil {
				return err
			}
			if a.Recommendation != "" {
				continue
			}
			kind := TimerUnclaimed
			if len(a.Claimers) > 0 {
				kind = TimerRecommend
			}
			if err := w.startWait(*c, kind, a.Group); err != nil {
				return err
			}
		}
		return nil
	case Support:
		if c.Owner != "" {
			return w.startIdle(*c)
		}
		return w.tellStaffSupport(*c, false)
	}
	return nil
}
