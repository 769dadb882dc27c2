package bot

import (
	"fmt"
	"strconv"
	"strings"
)

// Texts for the names of things, so that every reader sees them in their
// language.

func stageText(st Stage) Text     { return T("stage." + string(st)) }
func outcomeText(o Outcome) Text  { return T("outcome." + string(o)) }
func typeText(t RequestType) Text { return T("type." + string(t)) }
func choiceText(c Choice) Text    { return T("choice." + string(c)) }
func reasonText(r Reason) Text    { return T("reason." + string(r)) }
func caseRef(id int64) Arg        { return C(fmt.Sprintf("#%d", id)) }
func command(s string) Arg        { return Cmd(s) }
func roundNo(n int) Arg           { return N(n) }
func (s *Service) groupText(id string) Text {
	if g, ok := s.group(id); ok && g.Name != "" {
		return Quoted(g.Name)
	}
	return T("group." + id)
}

// groupsText lists groups by name.
func (s *Service) groupsText(ids []string) Arg {
	ts := make([]Text, len(ids))
	for i, id := range ids {
		ts[i] = s.groupText(id)
	}
	return L(ts)
}

// eventText tells what an event of the log was, with its details in the
// reader's words: the choice, the group, the reason.
func (s *Service) eventText(e Event) Text {
	d := e.Detail
	id := "event." + string(e.Type)
	n := func(k string) Arg { v, _ := strconv.Atoi(d[k]); return N(v) }
	switch e.Type {
	case EvOpened:
		return T(id, "type", X(typeText(RequestType(d["type"]))))
	case EvVoteCast, EvVoteRemoved:
		return T(id, "choice", X(choiceText(Choice(d["choice"]))), "round", n("round"))
	case EvRoundOpened:
		return T(id, "round", n("round"), "kind", X(T("round."+d["kind"])))
	case EvRoundDecided:
		return T(id, "round", n("round"), "result", X(choiceText(Choice(d["result"]))), "reason", X(reasonText(Reason(d["reason"]))))
	case EvEscalated:
		return T(id, "round", n("round"), "reason", X(reasonText(Reason(d["reason"]))))
	case EvReminded:
		count, _ := strconv.Atoi(d["members"])
		return T(id, "round", n("round")).Plural(count)
	case EvRouted:
		if d["groups"] == "" {
			return T("event.case.routed.none")
		}
		return T(id, "groups", s.groupsText(strings.Split(d["groups"], ",")))
	case EvClaimed, EvRecommended:
		return T(id, "group", X(s.groupText(d["group"])))
	case EvRated:
		return T(id, "rating", n("rating"))
	case EvDeliveryLost:
		return T(id, "op", C(d["op"]))
	case EvOwner:
		if UserID(d["owner"]) == e.Actor {
			return T(id + ".self")
		}
		return T(id, "who", P(Person{ID: UserID(d["owner"]), Name: d["name"]}))
	case EvReopened:
		return T(id, "stage", X(stageText(Stage(d["stage"]))))
	case EvWaitReminded:
		what := T("wait." + d["wait"])
		if g := d["subject"]; g != "" && (d["wait"] == string(TimerUnclaimed) || d["wait"] == string(TimerRecommend)) {
			what = T("wait."+d["wait"]+".group", "group", X(s.groupText(g)))
		}
		return T(id, "what", X(what), "to", X(T("wait.to."+d["to"])))
	}
	return T(id)
}

// statusLine says where a case stands.
func statusLine(c Case) Text {
	if c.Stage == Closed {
		return T("card.closed", "outcome", X(outcomeText(c.Outcome)))
	}
	return T("card.stage", "stage", X(stageText(c.Stage)))
}

// tallyLine shows the votes of a round so far.
func tallyLine(r Round, b Ballot) Text {
	choices := ChoicesOf(r.Kind)
	args := []any{"voted", N(len(b.Votes))}
	for _, c := range choices {
		args = append(args, string(c), N(b.Count(c)))
	}
	return T("tally."+string(r.Kind), args...).Plural(len(b.Eligible))
}

// card is the case's summary in the committee channel: what was asked,
// by whom, where it stands, and the tally of the vote in progress.
func (w *work) card(c Case) (Message, error) {
	m := Message{
		Lang:  w.s.cfg.CommitteeLang,
		Title: T("card.title", "id", caseRef(c.ID), "title", c.TitleArg()),
	}
	m.Lines = append(m.Lines, statusLine(c))
	if c.Round > 0 && c.Stage.Open() {
		r, err := w.tx.Round(c.ID, c.Round)
		if err != nil {
			return m, fmt.Errorf("read round %d of case %d: %w", c.Round, c.ID, err)
		}
		if !r.Closed {
			b, err := w.ballot(c, r)
			if err != nil {
				return m, err
			}
			switch {
			case r.Escalated:
				lines, err := w.escalatedLines(c, r, b)
				if err != nil {
					return m, err
				}
				m.Lines = append(m.Lines, lines...)
			case r.Post == PostCard:
				m.Lines = append(m.Lines, tallyLine(r, b), T("vote.deadline", "at", At(r.Deadline)), voteHow(r.Kind))
			default:
				m.Lines = append(m.Lines, tallyLine(r, b), T("vote.deadline", "at", At(r.Deadline)), T("card.vote_in_thread", "round", roundNo(r.N)))
			}
		}
	}
	if c.Description != "" { // erased, or never given
		m.Lines = append(m.Lines, Quoted(c.Description))
	}
	m.Fields = append(m.Fields,
		Field{Label: T("field.type"), Value: typeText(c.Type)},
		Field{Label: T("field.requester"), Value: T("card.requester", "who", P(w.person(c.Requester)), "lang", Lang(c.Lang))},
	)
	for _, f := range []struct{ id, v string }{
		{"field.organisation", c.Organisation}, {"field.links", c.Links}, {"field.timeline", c.Timeline},
	} {
		if strings.TrimSpace(f.v) != "" {
			m.Fields = append(m.Fields, Field{Label: T(f.id), Value: Quoted(f.v)})
		}
	}
	as, err := w.tx.Assignments(c.ID)
	if err != nil {
		return m, fmt.Errorf("read groups of case %d: %w", c.ID, err)
	}
	if len(as) > 0 {
		ids := make([]string, len(as))
		for i, a := range as {
			ids[i] = a.Group
		}
		m.Fields = append(m.Fields, Field{Label: T("field.groups"), Value: T("list", "items", w.s.groupsText(ids))})
	}
	if c.Owner != "" {
		m.Fields = append(m.Fields, Field{Label: T("field.owner"), Value: T("person", "who", P(w.person(c.Owner)))})
	}
	if c.Rating > 0 {
		m.Fields = append(m.Fields, Field{Label: T("field.rating"), Value: T("rating.value", "n", N(c.Rating))})
	}
	return m, nil
}

// voteHow explains which reaction votes for what.
func voteHow(k RoundKind) Text { return T("vote.how." + string(k)) }

// voteMessage is the message of a round after the first, posted in the
// thread: which choices there are, the tally, and once closed the result.
func (w *work) voteMessage(c Case, r Round) (Message, error) {
	m := Message{Lang: w.s.cfg.CommitteeLang, Title: T("vote.title."+string(r.Kind), "id", caseRef(c.ID), "round", roundNo(r.N))}
	if r.Closed {
		if r.Result != "" {
			m.Lines = append(m.Lines, T("vote.closed", "result", X(choiceText(r.Result))))
		} else {
			m.Lines = append(m.Lines, T("vote.ended"))
		}
		return m, nil
	}
	b, err := w.ballot(c, r)
	if err != nil {
		return m, err
	}
	if r.Escalated {
		lines, err := w.escalatedLines(c, r, b)
		m.Lines = append(m.Lines, lines...)
		return m, err
	}
	m.Lines = append(m.Lines, voteHow(r.Kind), tallyLine(r, b), T("vote.deadline", "at", At(r.Deadline)))
	return m, nil
}

// escalatedLines show a round the rule handed to the chair: the tally,
// that voting closed, who must decide now and how, and what a late vote
// still does.
func (w *work) escalatedLines(c Case, r Round, b Ballot) ([]Text, error) {
	deciders, err := w.deciders(c)
	if err != nil {
		return nil, err
	}
	people := make([]Text, len(deciders))
	for i, u := range deciders {
		people[i] = T("person", "who", P(w.person(u)))
	}
	return []Text{
		tallyLine(r, b),
		T("vote.closed_at", "at", At(r.Deadline)),
		T("vote.decides_now", "who", L(people), "cmd", command(fmt.Sprintf("decide #%d …", c.ID))).Plural(len(deciders)),
		T("vote.late"),
	}, nil
}

// refreshVote asks for the card and, for later rounds, the vote message to
// be shown again, so both show the current tally.
func (w *work) refreshVote(c Case, r Round) error {
	if err := w.refreshCard(c); err != nil {
		return err
	}
	if r.Post == PostCard {
		return nil
	}
	return w.edit(c, r.Post)
}

// refreshCard asks for the case's card to be shown again as it stands.
func (w *work) refreshCard(c Case) error { return w.edit(c, PostCard) }

// view renders a post of a case from the current state: the card, a vote
// message, a working group's card. The outbox worker calls it to perform
// an edit, so that the latest state is what lands.
func (w *work) view(c Case, name PostName) (Message, error) {
	if name == PostCard {
		return w.card(c)
	}
	if n, ok := name.Round(); ok {
		r, err := w.tx.Round(c.ID, n)
		if err != nil {
			return Message{}, fmt.Errorf("read round %d of case %d: %w", n, c.ID, err)
		}
		return w.voteMessage(c, r)
	}
	if g, ok := name.Group(); ok {
		as, err := w.tx.Assignments(c.ID)
		if err != nil {
			return Message{}, fmt.Errorf("read groups of case %d: %w", c.ID, err)
		}
		for _, a := range as {
			if a.Group == g {
				return w.groupCard(c, a), nil
			}
		}
	}
	return Message{}, fmt.Errorf("post %q of case %d cannot be refreshed: %w", name, c.ID, errNoTarget)
}

// committeeMsg is a message in the committee's language.
func (w *work) committeeMsg(lines ...Text) Message {
	return Message{Lang: w.s.cfg.CommitteeLang, Lines: lines}
}

// to is a message in the language of its reader.
func (w *work) to(user UserID, lines ...Text) Message {
	return Message{Lang: w.langOf(user), Lines: lines}
}

// requesterLang is the requester's language now: the one they chose since,
// or the one they filed the case in.
func (w *work) requesterLang(c Case) string {
	m, err := w.member(c.Requester)
	if err == nil && m.Lang != "" {
		return m.Lang
	}
	if c.Lang != "" {
		return c.Lang
	}
	return w.langOf(c.Requester)
}

// tellRequester sends the requester a private message in their language,
// with the case as its subject where messages have one (mail).
func (w *work) tellRequester(c Case, name PostName, lines ...Text) error {
	m := Message{Lang: w.requesterLang(c), Lines: lines, Subject: T("mail.subject", "id", caseRef(c.ID), "title", c.TitleArg())}
	return w.dm(c, name, c.Requester, m)
}

// byMail is the message id for a case's requester: its ".mail" variant,
// which says "reply to this mail" rather than a chat command, when they
// write by mail.
func byMail(c Case, id string) string {
	if c.Requester.Platform() == MailPlatform {
		return id + ".mail"
	}
	return id
}

// groupCard is the case's card in a working group's channel.
func (w *work) groupCard(c Case, a Assignment) Message {
	g, _ := w.s.group(a.Group)
	lang := g.Lang
	if lang == "" {
		lang = w.s.cfg.CommitteeLang
	}
	m := Message{
		Lang:       lang,
		Title:      T("groupcard.title", "id", caseRef(c.ID), "title", c.TitleArg()),
		LinkThread: true,
	}
	m.Lines = append(m.Lines, T("groupcard.intro", "group", X(w.s.groupText(a.Group)), "type", X(typeText(c.Type))))
	if c.Description != "" {
		m.Lines = append(m.Lines, Quoted(c.Description))
	}
	switch {
	case a.Recommendation != "":
		m.Lines = append(m.Lines, T("groupcard.recommended", "who", P(w.person(a.RecommendedBy))))
	case len(a.Claimers) > 0:
		ps := make([]Text, len(a.Claimers))
		for i, u := range a.Claimers {
			ps[i] = T("person", "who", P(w.person(u)))
		}
		m.Lines = append(m.Lines, T("groupcard.claimed", "who", L(ps)))
	default:
		m.Lines = append(m.Lines, T("groupcard.how", "emoji", C(EmojiClaim), "cmd", command(fmt.Sprintf("claim #%d", c.ID))))
	}
	if c.Stage == Closed {
		m.Lines = append(m.Lines, statusLine(c))
	}
	return m
}

// threadName is what a case's thread is called, where threads have names.
func (w *work) threadName(c Case) Message {
	return Message{Lang: w.s.cfg.CommitteeLang, Title: T("thread.name", "id", caseRef(c.ID), "title", c.TitleArg())}
}
