package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// onCase runs a command on the case named by its "#N" argument in one
// write transaction and replies with the text fn returns.
func (s *Service) onCase(ctx context.Context, a asker, cmd, args string, fn func(w *work, c *Case, rest string) (Text, error)) (Response, error) {
	id, rest, err := s.caseArg(ctx, a, cmd, args)
	if err != nil {
		return Response{}, err
	}
	var reply Text
	err = s.update(ctx, func(w *work) error {
		c, err := w.loadCase(id)
		if err != nil {
			return err
		}
		// Nothing about a case (its stage, its groups) is told to someone
		// who may not read it.
		if ok, err := w.canSee(a.Member, c); err != nil || !ok {
			if err == nil {
				err = refuse(NotYours, "error.not_yours", "id", caseRef(c.ID))
			}
			return err
		}
		reply, err = fn(w, &c, rest)
		return err
	})
	if err != nil {
		return Response{}, err
	}
	return s.reply(a.lang, reply), nil
}

// seeCase runs a read-only command on a case the person may see.
func (s *Service) seeCase(ctx context.Context, a asker, cmd, args string, fn func(w *work, c Case) ([]Text, error)) (Response, error) {
	id, _, err := s.caseArg(ctx, a, cmd, args)
	if err != nil {
		return Response{}, err
	}
	var lines []Text
	err = s.view(ctx, func(w *work) error {
		c, err := w.loadCase(id)
		if err != nil {
			return err
		}
		if ok, err := w.canSee(a.Member, c); err != nil || !ok {
			if err == nil {
				err = refuse(NotYours, "error.not_yours", "id", caseRef(c.ID))
			}
			return err
		}
		lines, err = fn(w, c)
		return err
	})
	if err != nil {
		return Response{}, err
	}
	return s.reply(a.lang, lines...), nil
}

func (s *Service) status(ctx context.Context, a asker, args string) (Response, error) {
	return s.seeCase(ctx, a, "status", args, func(w *work, c Case) ([]Text, error) {
		lines := []Text{T("status.title", "id", caseRef(c.ID), "title", c.TitleArg(), "type", X(typeText(c.Type))), statusLine(c)}
		if c.Stage == InitialReview || c.Stage == FinalReview {
			r, err := w.tx.Round(c.ID, c.Round)
			if err != nil {
				return nil, fmt.Errorf("read round: %w", err)
			}
			b, err := w.ballot(c, r)
			if err != nil {
				return nil, err
			}
			lines = append(lines, tallyLine(r, b), T("vote.deadline", "at", At(r.Deadline)))
		}
		as, err := w.tx.Assignments(c.ID)
		if err != nil {
			return nil, fmt.Errorf("read groups: %w", err)
		}
		for _, x := range as {
			switch {
			case x.Recommendation != "":
				lines = append(lines, T("status.group.recommended", "group", X(w.s.groupText(x.Group))))
			case len(x.Claimers) > 0:
				lines = append(lines, T("status.group.claimed", "group", X(w.s.groupText(x.Group)), "who", P(w.person(x.Claimers[0]))))
			default:
				lines = append(lines, T("status.group.waiting", "group", X(w.s.groupText(x.Group))))
			}
		}
		if c.Owner != "" {
			lines = append(lines, T("status.owner", "who", P(w.person(c.Owner))))
		}
		lines = append(lines, T("status.opened", "at", At(c.CreatedAt), "who", P(w.person(c.Requester))))
		return lines, nil
	})
}

func (s *Service) mine(ctx context.Context, a asker, args string) (Response, error) {
	page, _ := s.pageArg(a.lang, args)
	var cs []Case
	err := s.view(ctx, func(w *work) error {
		var err error
		cs, err = w.casesOf(a.Member, CaseFilter{})
		return err
	})
	if err != nil {
		return Response{}, fmt.Errorf("list own cases: %w", err)
	}
	if len(cs) == 0 {
		if a.committee() || a.Roles.Staff || len(a.Roles.Groups) > 0 {
			// Someone with a part in the helpdesk wants their work, not
			// their requests.
			return s.reply(a.lang, T("mine.none", "cmd", command("request")), T("mine.todo", "cmd", command("todo"))), nil
		}
		return s.reply(a.lang, T("mine.none", "cmd", command("request"))), nil
	}
	waitingFirst(cs)
	return s.paged(a.lang, T("mine.title").Plural(len(cs)), caseLines(cs), casesPerPage, page, false, "mine", Arg{}), nil
}

func (s *Service) list(ctx context.Context, a asker, args string) (Response, error) {
	if !a.committee() && !a.Roles.Staff {
		return Response{}, refuse(NotYours, "error.committee_or_staff")
	}
	page, args := s.pageArg(a.lang, args)
	f := CaseFilter{OpenOnly: true}
	if st := strings.ToLower(strings.TrimSpace(args)); st != "" {
		f = CaseFilter{Stage: Stage(strings.ReplaceAll(st, "-", "_"))}
		if !validStage(f.Stage) {
			ts := make([]Text, len(Stages))
			for i, x := range Stages {
				ts[i] = T("stage.option", "id", C(string(x)), "name", X(stageText(x)))
			}
			return Response{}, refuse(Malformed, "list.unknown_stage", "given", S(st), "stages", L(ts))
		}
	}
	var cs []Case
	err := s.view(ctx, func(w *work) error {
		all, err := w.tx.Cases(f)
		for _, c := range all {
			if c.Platform == a.ID.Platform() { // roles are a platform's (see canSee)
				cs = append(cs, c)
			}
		}
		return err
	})
	if err != nil {
		return Response{}, fmt.Errorf("list cases: %w", err)
	}
	if len(cs) == 0 {
		return s.reply(a.lang, T("list.none")), nil
	}
	waitingFirst(cs)
	cmd, narrow := "list", command("list STAGE")
	if f.Stage != "" {
		cmd, narrow = cmd+" "+string(f.Stage), Arg{}
	}
	return s.paged(a.lang, T("list.title").Plural(len(cs)), caseLines(cs), casesPerPage, page, false, cmd, narrow), nil
}

func validStage(st Stage) bool {
	for _, x := range Stages {
		if x == st {
			return true
		}
	}
	return false
}

func (s *Service) history(ctx context.Context, a asker, args string) (Response, error) {
	page, args := s.pageArg(a.lang, args) // no page: the latest events
	var resp Response
	_, err := s.seeCase(ctx, a, "history", args, func(w *work, c Case) ([]Text, error) {
		// Who voted what is for the committee and staff; the requester
		// and the groups read the rounds and their outcomes.
		lines, err := w.historyLines(c, 0, a.Member)
		if err != nil {
			return nil, err
		}
		resp = s.paged(a.lang, T("history.title", "id", caseRef(c.ID), "title", c.TitleArg()), lines, eventsPerPage, page, true, fmt.Sprintf("history #%d", c.ID), Arg{})
		return nil, nil // the reply is resp, paged
	})
	return resp, err
}

// movedHistory is how many of the latest events the summary of a thread
// posted again shows.
const movedHistory = 30

// historyLines is a case's event log as reader may read it, a line per
// event; with last > 0, only the last events, after a line saying how
// many earlier ones there are. Who voted what is for the committee and
// staff (seesVotes); internal events are not for the requester
// (seesInternal).
func (w *work) historyLines(c Case, last int, reader Member) ([]Text, error) {
	all, err := w.tx.Events(c.ID)
	if err != nil {
		return nil, fmt.Errorf("read events of case %d: %w", c.ID, err)
	}
	votes, internal := seesVotes(reader, c), seesInternal(reader, c)
	evs := all[:0:0]
	for _, e := range all {
		if e.Internal && !internal || !votes && (e.Type == EvVoteCast || e.Type == EvVoteRemoved) {
			continue
		}
		evs = append(evs, e)
	}
	var lines []Text
	if last > 0 && len(evs) > last {
		lines = append(lines, T("history.earlier", "n", N(len(evs)-last), "cmd", command(fmt.Sprintf("history #%d", c.ID))))
		evs = evs[len(evs)-last:]
	}
	for _, e := range evs {
		who := T("history.helpdesk")
		if e.Actor != "" {
			who = T("person", "who", P(w.person(e.Actor)))
		}
		lines = append(lines, T("history.line", "at", At(e.At), "who", X(who), "what", X(w.s.eventText(e))))
	}
	return lines, nil
}

func (s *Service) languagesList() Arg {
	var ts []Text
	if s.langs != nil {
		for _, tag := range s.langs.Supported() {
			ts = append(ts, T("language.option", "tag", C(tag), "name", C(s.langs.Autonym(tag))))
		}
	}
	return L(ts)
}

func (s *Service) language(ctx context.Context, a asker, args string) (Response, error) {
	if strings.HasPrefix(strings.TrimSpace(args), "#") {
		return s.requesterLanguage(ctx, a, args)
	}
	code := strings.TrimSpace(args)
	if code == "" {
		return s.reply(a.lang, T("language.current", "tag", C(a.lang)), T("language.supported", "langs", s.languagesList(), "cmd", command("language"))), nil
	}
	tag, ok := "", false
	if s.langs != nil {
		tag, ok = s.langs.Match(code)
	}
	if !ok {
		return Response{}, refuse(Malformed, "language.unknown", "given", S(code), "langs", s.languagesList())
	}
	err := s.update(ctx, func(w *work) error {
		for _, id := range a.IDs() { // one person, one language
			if err := w.tx.SetLang(id, tag); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Response{}, fmt.Errorf("set language: %w", err)
	}
	return s.reply(tag, T("language.set", "tag", C(tag))), nil
}

func matches(topic string, fields ...string) bool {
	if topic == "" {
		return true
	}
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), topic) {
			return true
		}
	}
	return false
}

func (s *Service) experts(ctx context.Context, a asker, args string) (Response, error) {
	page, args := s.pageArg(a.lang, args)
	topic := strings.ToLower(strings.TrimSpace(args))
	var lines []Text
	err := s.view(ctx, func(w *work) error {
		vs, err := w.tx.Volunteers()
		if err != nil {
			return err
		}
		listed := map[UserID]bool{}
		for _, v := range vs {
			if matches(topic, v.Languages, v.Skills, v.Groups) {
				listed[v.User] = true
				lines = append(lines, T("experts.line", "who", P(w.person(v.User)), "langs", S(v.Languages), "skills", S(v.Skills)))
			}
		}
		// Committee members who have not signed up are found by the
		// language they speak, or by "committee".
		members, err := w.committee(a.ID.Platform())
		if err != nil || topic == "" {
			return err
		}
		for _, m := range members {
			lang := w.s.pickLang(m.Lang, m.Locale)
			if !listed[m.ID] && (matches(topic, lang, w.s.langName(lang)) || matches(topic, "committee")) {
				lines = append(lines, T("experts.member", "who", P(w.person(m.ID)), "lang", Lang(lang)))
			}
		}
		return nil
	})
	if err != nil {
		return Response{}, fmt.Errorf("list volunteers: %w", err)
	}
	if len(lines) == 0 {
		if topic == "" {
			return s.reply(a.lang, T("experts.none.any", "cmd", command("volunteer"))), nil
		}
		return s.reply(a.lang, T("experts.none", "topic", S(topic), "cmd", command("volunteer"))), nil
	}
	return s.paged(a.lang, T("experts.title").Plural(len(lines)), lines, expertsPerPage, page, false, strings.TrimSpace("experts "+topic), Arg{}), nil
}

func (s *Service) guides(_ context.Context, a asker, args string) (Response, error) {
	topic := strings.ToLower(strings.TrimSpace(args))
	var lines []Text
	for _, g := range s.cfg.Guides {
		if matches(topic, append([]string{g.Title}, g.Topics...)...) {
			lines = append(lines, T("guides.line", "title", S(g.Title), "url", C(g.URL)))
		}
	}
	if len(lines) == 0 {
		return s.reply(a.lang, T("guides.none", "topic", S(topic))), nil
	}
	return s.reply(a.lang, append([]Text{T("guides.title")}, lines...)...), nil
}

func (s *Service) stats(ctx context.Context, a asker, _ string) (Response, error) {
	if !a.committee() && !a.Roles.Staff {
		return Response{}, refuse(NotYours, "error.committee_or_staff")
	}
	var lines []Text
	err := s.view(ctx, func(w *work) error {
		t, err := w.tx.Tallies()
		if err != nil {
			return err
		}
		lines = statsLines(t)
		return nil
	})
	if err != nil {
		return Response{}, fmt.Errorf("stats: %w", err)
	}
	return s.reply(a.lang, lines...), nil
}

// statsLines counts cases by stage (and closed ones by outcome) and gives
// the median time from intake to each step.
func statsLines(t Tallies) []Text {
	total := 0
	for _, n := range t.Stages {
		total += n
	}
	lines := []Text{T("stats.title").Plural(total)}
	for _, st := range Stages {
		if st == Closed {
			continue
		}
		lines = append(lines, T("stats.stage", "stage", X(stageText(st)), "n", N(t.Stages[st])))
	}
	for _, o := range []Outcome{Resolved, Declined, Withdrawn, ClosedBy} {
		lines = append(lines, T("stats.outcome", "outcome", X(outcomeText(o)), "n", N(t.Outcomes[o])))
	}
	for _, step := range []struct {
		key   string
		times []time.Duration
	}{{"initial", t.Initial}, {"final", t.FinalGo}, {"resolved", t.Resolved}} {
		if len(step.times) == 0 {
			lines = append(lines, T("stats.median.none", "step", X(T("stats.step."+step.key))))
			continue
		}
		ds := slices.Clone(step.times)
		slices.Sort(ds)
		med := ds[len(ds)/2]
		if len(ds)%2 == 0 {
			med = (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
		}
		days := med.Hours() / 24
		// Hours while a decision takes less than three days; days after.
		span := T("duration.days").Plural(int(days + 0.5))
		if days < 3 {
			span = T("duration.hours").Plural(int(med.Hours() + 0.5))
		}
		if med < 30*time.Minute {
			span = T("duration.under_hour") // not "0 hours"
		}
		lines = append(lines, T("stats.median", "step", X(T("stats.step."+step.key)), "time", X(span), "cases", X(T("stats.cases").Plural(len(ds)))))
	}
	return lines
}

func (s *Service) ask(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "ask", args, func(w *work, c *Case, rest string) (Text, error) {
		if !a.committee() && !a.Roles.Staff {
			return Text{}, refuse(NotYours, "error.committee_only")
		}
		if a.Is(c.Requester) {
			return Text{}, refuse(NotYours, "error.recused", "id", caseRef(c.ID))
		}
		if err := stageOneOf(*c, "ask", InitialReview, NeedsInfo); err != nil {
			return Text{}, err
		}
		q, err := textArg(fmt.Sprintf("ask #%d", c.ID), "hint.question", rest)
		if err != nil {
			return Text{}, err
		}
		if err := w.said(*c, a.ID, EvAsked, q); err != nil {
			return Text{}, err
		}
		if err := w.startWait(*c, TimerQuestion, ""); err != nil {
			return Text{}, err
		}
		if err := w.toThread(*c, w.committeeMsg(T("thread.asked", "who", P(w.person(a.ID))), Quoted(q))); err != nil {
			return Text{}, err
		}
		err = w.tellRequester(*c, NoPost, T("dm.question", "id", caseRef(c.ID), "title", c.TitleArg(), "who", P(w.person(a.ID))), Quoted(q),
			T(byMail(*c, "dm.question.how"), "cmd", command(fmt.Sprintf("answer #%d …", c.ID))))
		return T("reply.asked", "id", caseRef(c.ID)), err
	})
}

func (s *Service) answer(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "answer", args, func(w *work, c *Case, rest string) (Text, error) {
		if !a.Is(c.Requester) {
			return Text{}, refuse(NotYours, "error.requester_only", "id", caseRef(c.ID))
		}
		if err := stageOneOf(*c, "answer", InitialReview, NeedsInfo); err != nil {
			return Text{}, err
		}
		// An answer answers a question: in initial review only while one
		// is open (asked and not answered yet), so that the thread is not
		// flooded with answers nobody asked for.
		if c.Stage == InitialReview {
			_, open, err := w.openQuestion(*c)
			if err != nil {
				return Text{}, err
			}
			if !open {
				return Text{}, refuse(NotNow, "error.no_question", "id", caseRef(c.ID))
			}
		}
		ans, err := textArg(fmt.Sprintf("answer #%d", c.ID), "hint.text", rest)
		if err != nil {
			return Text{}, err
		}
		if err := w.answerQuestion(c, a.ID, ans); err != nil {
			return Text{}, err
		}
		return T("reply.answered", "id", caseRef(c.ID)), nil
	})
}

// answerQuestion records the requester's answer to the committee's
// question, by a command or a letter: in the thread, the wait ended, and
// from needs-information a new round of initial feedback.
func (w *work) answerQuestion(c *Case, by UserID, ans string) error {
	if err := w.said(*c, by, EvAnswered, ans); err != nil {
		return err
	}
	if err := w.endWait(*c, TimerQuestion, ""); err != nil {
		return err
	}
	if err := w.toThread(*c, w.committeeMsg(T("thread.answered", "who", P(w.person(by))), Quoted(ans))); err != nil {
		return err
	}
	if c.Stage != NeedsInfo {
		return nil
	}
	if err := w.setStage(c, InitialReview, ""); err != nil {
		return err
	}
	return w.startRound(c, InitialRound)
}

func (s *Service) routeCmd(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "route", args, func(w *work, c *Case, rest string) (Text, error) {
		if !a.committee() {
			return Text{}, refuse(NotYours, "error.committee_only")
		}
		if a.Is(c.Requester) {
			return Text{}, refuse(NotYours, "error.recused", "id", caseRef(c.ID))
		}
		if err := stageOneOf(*c, "route", Routing, WorkingGroup); err != nil {
			return Text{}, err
		}
		groups := parseGroups(rest)
		if len(groups) == 0 {
			return Text{}, refuse(Malformed, "route.which", "groups", s.groupsText(s.groupIDs()), "cmd", command(fmt.Sprintf("route #%d", c.ID)))
		}
		if len(groups) == 1 && groups[0] == "none" {
			groups = nil
		} else if bad := s.unknownGroups(rest); len(bad) > 0 {
			ids := make([]Text, 0, len(s.cfg.Groups))
			for _, g := range s.cfg.Groups {
				ids = append(ids, T("group.option", "id", C(g.ID), "name", X(s.groupText(g.ID))))
			}
			return Text{}, refuse(Malformed, "route.unknown_group", "given", S(strings.Join(bad, ", ")), "groups", L(ids))
		}
		empty, err := w.route(c, a.ID, groups)
		if err != nil {
			return Text{}, err
		}
		if groups == nil {
			return T("reply.routed_none", "id", caseRef(c.ID)), nil
		}
		if len(empty) > 0 {
			return T("reply.routed.empty", "id", caseRef(c.ID), "groups", s.groupsText(groups), "empty", s.groupsText(empty),
				"cmd", command(fmt.Sprintf("route #%d …", c.ID))), nil
		}
		return T("reply.routed", "id", caseRef(c.ID), "groups", s.groupsText(groups)), nil
	})
}

func (s *Service) claimCmd(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "claim", args, func(w *work, c *Case, _ string) (Text, error) {
		if err := stageOneOf(*c, "claim", WorkingGroup); err != nil {
			return Text{}, err
		}
		as, err := w.tx.Assignments(c.ID)
		if err != nil {
			return Text{}, fmt.Errorf("read groups: %w", err)
		}
		var mine []string
		for _, x := range as {
			if a.Roles.InGroup(x.Group) {
				mine = append(mine, x.Group)
			}
		}
		if len(mine) == 0 {
			ids := make([]string, len(as))
			for i, x := range as {
				ids[i] = x.Group
			}
			return Text{}, refuse(NotYours, "error.group_only", "id", caseRef(c.ID), "groups", s.groupsText(ids))
		}
		var claimed []string
		for _, g := range mine {
			ok, err := w.claim(*c, a.ID, g)
			if err != nil {
				return Text{}, err
			}
			if ok {
				claimed = append(claimed, g)
			}
		}
		if len(claimed) == 0 {
			return T("reply.already_claimed", "id", caseRef(c.ID)), nil
		}
		return T("reply.claimed", "id", caseRef(c.ID), "groups", s.groupsText(claimed), "cmd", command(fmt.Sprintf("recommend #%d …", c.ID))), nil
	})
}

func (s *Service) recommendCmd(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "recommend", args, func(w *work, c *Case, rest string) (Text, error) {
		if err := stageOneOf(*c, "recommend", WorkingGroup); err != nil {
			return Text{}, err
		}
		as, err := w.tx.Assignments(c.ID)
		if err != nil {
			return Text{}, fmt.Errorf("read groups: %w", err)
		}
		group := ""
		for _, x := range as {
			for _, u := range x.Claimers {
				if u == a.ID && x.Recommendation == "" && group == "" {
					group = x.Group
				}
			}
		}
		if group == "" {
			return Text{}, refuse(NotYours, "error.claimer_only", "id", caseRef(c.ID), "cmd", command(fmt.Sprintf("claim #%d", c.ID)))
		}
		text, err := textArg(fmt.Sprintf("recommend #%d", c.ID), "hint.text", rest)
		if err != nil {
			return Text{}, err
		}
		if err := w.recommend(c, a.ID, group, text); err != nil {
			return Text{}, err
		}
		return T("reply.recommended", "id", caseRef(c.ID), "group", X(s.groupText(group))), nil
	})
}

func (s *Service) decideCmd(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "decide", args, func(w *work, c *Case, rest string) (Text, error) {
		if err := stageOneOf(*c, "decide", InitialReview, FinalReview); err != nil {
			return Text{}, err
		}
		r, err := w.tx.Round(c.ID, c.Round)
		if err != nil {
			return Text{}, fmt.Errorf("read round: %w", err)
		}
		if !r.Escalated {
			return Text{}, refuse(NotNow, "decide.not_escalated", "id", caseRef(c.ID))
		}
		deciders, err := w.deciders(*c)
		if err != nil {
			return Text{}, err
		}
		allowed := false
		for _, u := range deciders {
			allowed = allowed || u == a.ID
		}
		if !allowed {
			return Text{}, refuse(NotYours, "error.chair_only", "id", caseRef(c.ID))
		}
		word, reason, _ := strings.Cut(strings.TrimSpace(rest), " ")
		choice := Choice(strings.ToLower(word))
		var opts []Text
		ok := false
		for _, ch := range ChoicesOf(r.Kind) {
			ok = ok || ch == choice
			opts = append(opts, T("choice.option", "id", C(string(ch)), "name", X(choiceText(ch))))
		}
		if !ok {
			return Text{}, refuse(Malformed, "decide.which", "choices", L(opts), "cmd", command(fmt.Sprintf("decide #%d", c.ID)))
		}
		if reason = strings.TrimSpace(reason); reason != "" {
			if reason, err = textArg(fmt.Sprintf("decide #%d %s", c.ID, choice), "hint.reason", reason); err != nil {
				return Text{}, err
			}
		}
		b, err := w.ballot(*c, r)
		if err != nil {
			return Text{}, err
		}
		if err := w.decide(c, r, b, Verdict{Decided: true, Result: choice, Reason: ByChair}, a.ID, reason); err != nil {
			return Text{}, err
		}
		return T("reply.decided", "id", caseRef(c.ID), "result", X(choiceText(choice))), nil
	})
}

func (s *Service) resolve(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "resolve", args, func(w *work, c *Case, rest string) (Text, error) {
		if !a.Roles.Staff {
			return Text{}, refuse(NotYours, "error.staff_only")
		}
		if err := stageOneOf(*c, "resolve", Support); err != nil {
			return Text{}, err
		}
		summary, err := textArg(fmt.Sprintf("resolve #%d", c.ID), "hint.summary", rest)
		if err != nil {
			return Text{}, err
		}
		if err := w.said(*c, a.ID, EvResolved, summary); err != nil {
			return Text{}, err
		}
		if err := w.toThread(*c, w.committeeMsg(T("thread.resolved", "who", P(w.person(a.ID))), Quoted(summary))); err != nil {
			return Text{}, err
		}
		if err := w.closeCase(c, Resolved); err != nil {
			return Text{}, err
		}
		if err := w.tellRequester(*c, PostRating,
			T("dm.resolved", "id", caseRef(c.ID), "title", c.TitleArg()), Quoted(summary),
			T(byMail(*c, "dm.rate.how"), "cmd", command(fmt.Sprintf("rate #%d 1-5", c.ID)))); err != nil {
			return Text{}, err
		}
		if c.Requester.Platform() == c.Platform { // a letter takes no reactions
			if err := w.react(*c, PostRating, RatingEmoji...); err != nil {
				return Text{}, err
			}
		}
		if err := w.refreshCard(*c); err != nil {
			return Text{}, err
		}
		return T("reply.resolved", "id", caseRef(c.ID)), nil
	})
}

func (s *Service) rateCmd(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "rate", args, func(w *work, c *Case, rest string) (Text, error) {
		if !a.Is(c.Requester) {
			return Text{}, refuse(NotYours, "error.requester_only", "id", caseRef(c.ID))
		}
		if c.Outcome != Resolved {
			return Text{}, refuse(NotNow, "rate.not_resolved", "id", caseRef(c.ID))
		}
		score, comment, _ := strings.Cut(strings.TrimSpace(rest), " ")
		n, err := strconv.Atoi(latinDigits(score))
		if err != nil || n < 1 || n > 5 {
			return Text{}, refuse(Malformed, "rate.range", "cmd", command(fmt.Sprintf("rate #%d 4", c.ID)))
		}
		if comment = strings.TrimSpace(comment); comment != "" {
			if comment, err = textArg(fmt.Sprintf("rate #%d %d", c.ID, n), "hint.text", comment); err != nil {
				return Text{}, err
			}
		}
		if err := w.rate(c, a.ID, n, comment); err != nil {
			return Text{}, err
		}
		return T("reply.rated", "id", caseRef(c.ID), "n", N(n)), nil
	})
}

func (s *Service) withdraw(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "withdraw", args, func(w *work, c *Case, rest string) (Text, error) {
		if !a.Is(c.Requester) {
			return Text{}, refuse(NotYours, "error.requester_only", "id", caseRef(c.ID))
		}
		if !c.Stage.Open() {
			return Text{}, refuse(NotNow, "error.closed", "id", caseRef(c.ID), "stage", X(statusLine(*c)))
		}
		// A withdrawal closes the case: without the confirmation word it
		// changes nothing and says what it would do, and how to confirm.
		if !s.isWord(a.lang, wordConfirm, rest) {
			return T("withdraw.confirm", "id", caseRef(c.ID), "title", c.TitleArg(), "cmd", command(fmt.Sprintf("withdraw #%d %s", c.ID, wordConfirm.en))), nil
		}
		if err := w.event(*c, a.ID, EvWithdrawn); err != nil {
			return Text{}, err
		}
		if err := w.toThread(*c, w.committeeMsg(T("thread.withdrawn", "who", P(w.person(a.ID))))); err != nil {
			return Text{}, err
		}
		if err := w.closeCase(c, Withdrawn); err != nil {
			return Text{}, err
		}
		if err := w.refreshCard(*c); err != nil {
			return Text{}, err
		}
		return T("reply.withdrawn", "id", caseRef(c.ID)), nil
	})
}

func (s *Service) closeCmd(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "close", args, func(w *work, c *Case, rest string) (Text, error) {
		if !a.Roles.Staff {
			return Text{}, refuse(NotYours, "error.staff_only")
		}
		if !c.Stage.Open() {
			return Text{}, refuse(NotNow, "error.closed", "id", caseRef(c.ID), "stage", X(statusLine(*c)))
		}
		reason, err := textArg(fmt.Sprintf("close #%d", c.ID), "hint.reason", rest)
		if err != nil {
			return Text{}, err
		}
		if err := w.said(*c, a.ID, EvClosed, reason); err != nil {
			return Text{}, err
		}
		if err := w.toThread(*c, w.committeeMsg(T("thread.closed", "who", P(w.person(a.ID))), Quoted(reason))); err != nil {
			return Text{}, err
		}
		if err := w.closeCase(c, ClosedBy); err != nil {
			return Text{}, err
		}
		if err := w.tellRequester(*c, NoPost, T("dm.closed", "id", caseRef(c.ID), "title", c.TitleArg()), Quoted(reason)); err != nil {
			return Text{}, err
		}
		if err := w.refreshCard(*c); err != nil {
			return Text{}, err
		}
		return T("reply.closed", "id", caseRef(c.ID)), nil
	})
}

// requesterLanguage lets staff set the language a case's requester is
// written to in (a mailed request whose language was guessed wrong):
// "/helpdesk language #N CODE".
func (s *Service) requesterLanguage(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "language", args, func(w *work, c *Case, rest string) (Text, error) {
		if !a.Roles.Staff {
			return Text{}, refuse(NotYours, "error.staff_only")
		}
		tag, ok := "", false
		if s.langs != nil {
			tag, ok = s.langs.Match(strings.TrimSpace(rest))
		}
		if !ok {
			return Text{}, refuse(Malformed, "language.unknown", "given", S(strings.TrimSpace(rest)), "langs", s.languagesList())
		}
		if err := w.tx.SetLang(c.Requester, tag); err != nil {
			return Text{}, fmt.Errorf("set language: %w", err)
		}
		return T("language.set.requester", "id", caseRef(c.ID), "lang", Lang(tag)), nil
	})
}
