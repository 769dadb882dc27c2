package bot

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// openCase turns a valid request form into a case: the card in the
// committee channel, its thread, the first vote and a confirmation to the
// requester.
func (w *work) openCase(who Member, lang string, sub Submission) (Case, error) {
	return w.openCaseOn(w.s.casePlatform(who.ID.Platform()), who, lang, sub)
}

// casePlatform is where a case asked for on platform lives: the
// committee's platform when one is configured and attached, else that one.
func (s *Service) casePlatform(platform string) string {
	if p := s.cfg.CommitteePlatform; p != "" && s.outlet(p) != nil {
		return p
	}
	return platform
}

// openCaseOn opens a case whose card and thread are on platform, which
// is the requester's own unless they wrote from another (mail).
func (w *work) openCaseOn(platform string, who Member, lang string, sub Submission) (Case, error) {
	v := sub.Values
	c := Case{
		Platform:     platform,
		Type:         sub.Type,
		Title:        v["title"],
		Description:  v["description"],
		Organisation: v["organisation"],
		Links:        v["links"],
		Timeline:     v["timeline"],
		Requester:    who.ID,
		Lang:         lang,
		Stage:        InitialReview,
		CreatedAt:    w.now,
		UpdatedAt:    w.now,
	}
	if err := w.tx.CreateCase(&c); err != nil {
		return c, fmt.Errorf("create case: %w", err)
	}
	if err := w.event(c, who.ID, EvOpened, "type", string(c.Type)); err != nil {
		return c, err
	}
	r, err := w.openRound(&c, InitialRound)
	if err != nil {
		return c, err
	}
	card, err := w.card(c)
	if err != nil {
		return c, err
	}
	if err := w.post(c, PostCard, Place{Kind: InCommittee}, card); err != nil {
		return c, err
	}
	name := w.threadName(c)
	if err := w.enqueue(c, Item{Op: OpThread, Name: PostCard, Message: name}); err != nil {
		return c, err
	}
	if err := w.reactChoices(c, r); err != nil {
		return c, err
	}
	err = w.tellRequester(c, NoPost,
		T("dm.opened", "id", caseRef(c.ID), "title", c.TitleArg(), "type", X(typeText(c.Type))),
		T(byMail(c, "dm.opened.next"), "id", caseRef(c.ID), "cmd", command(fmt.Sprintf("status #%d", c.ID))))
	return c, err
}

// openRound starts a committee vote on the case: the round, its reminder
// and its deadline. The caller posts the vote message.
func (w *work) openRound(c *Case, kind RoundKind) (Round, error) {
	c.Round++
	rule := w.s.cfg.Rule
	r := Round{CaseID: c.ID, N: c.Round, Kind: kind, OpenedAt: w.now, Deadline: w.now.Add(rule.Deadline), Post: PostCard}
	if r.N > 1 {
		r.Post = VotePost(r.N)
	}
	if err := w.tx.OpenRound(r); err != nil {
		return r, fmt.Errorf("open round %d of case %d: %w", r.N, c.ID, err)
	}
	if err := w.save(c); err != nil {
		return r, err
	}
	if rule.RemindAfter > 0 && rule.RemindAfter < rule.Deadline {
		if err := w.tx.AddTimer(Timer{CaseID: c.ID, Round: r.N, Kind: TimerReminder, Due: w.now.Add(rule.RemindAfter)}); err != nil {
			return r, fmt.Errorf("set reminder: %w", err)
		}
	}
	if err := w.tx.AddTimer(Timer{CaseID: c.ID, Round: r.N, Kind: TimerDeadline, Due: r.Deadline}); err != nil {
		return r, fmt.Errorf("set deadline: %w", err)
	}
	return r, w.event(*c, "", EvRoundOpened, "round", strconv.Itoa(r.N), "kind", string(kind))
}

// startRound opens a round after the first: its vote message in the thread.
func (w *work) startRound(c *Case, kind RoundKind) error {
	r, err := w.openRound(c, kind)
	if err != nil {
		return err
	}
	m, err := w.voteMessage(*c, r)
	if err != nil {
		return err
	}
	if err := w.post(*c, r.Post, Place{Kind: InThread}, m); err != nil {
		return err
	}
	if err := w.reactChoices(*c, r); err != nil {
		return err
	}
	return w.refreshCard(*c)
}

// endBallot takes the helpdesk's vote reactions off a closed round's post:
// a message that is no longer a ballot must not look like one.
func (w *work) endBallot(c Case, r Round) error {
	for _, ch := range ChoicesOf(r.Kind) {
		if err := w.enqueue(c, Item{Op: OpUnreact, Name: r.Post, Emoji: ChoiceEmoji(ch)}); err != nil {
			return err
		}
	}
	return nil
}

func (w *work) reactChoices(c Case, r Round) error {
	for _, ch := range ChoicesOf(r.Kind) {
		if err := w.react(c, r.Post, ChoiceEmoji(ch)); err != nil {
			return err
		}
	}
	return nil
}

// ballot reads a round's votes: the latest vote reaction each eligible
// member still holds on the round's post.
func (w *work) ballot(c Case, r Round) (Ballot, error) {
	k := key(c, r)
	if b, ok := w.ballots[k]; ok {
		return b, nil
	}
	b, err := w.readBallot(c, r)
	if err == nil {
		if w.ballots == nil {
			w.ballots = map[[2]int64]Ballot{}
		}
		w.ballots[k] = b
	}
	return b, err
}

// key identifies a round within a transaction's memos.
func key(c Case, r Round) [2]int64 { return [2]int64{c.ID, int64(r.N)} }

func (w *work) readBallot(c Case, r Round) (Ballot, error) {
	b := Ballot{Kind: r.Kind, Votes: map[UserID]Choice{}}
	members, err := w.committee(c.Platform)
	if err != nil {
		return b, err
	}
	// One person, one vote: identities linked to one another (two
	// accounts of one person on the platform) vote as the first of them,
	// and the latest reaction of either is the vote.
	eligible := map[UserID]UserID{} // identity → the person's voter
	for _, m := range members {
		if m.Is(c.Requester) {
			continue // recused: they filed the case
		}
		voter := m.ID
		for _, o := range m.Also {
			if v, ok := eligible[o]; ok {
				voter = v
				break
			}
		}
		eligible[m.ID] = voter
		if voter == m.ID {
			b.Eligible = append(b.Eligible, m.ID)
		}
		if m.Roles.Chair && b.Chair == "" {
			b.Chair = voter
		}
	}
	ref := w.voteRefs[key(c, r)]
	if ref == "" {
		p, err := w.tx.Post(c.ID, r.Post)
		if errors.Is(err, ErrNotFound) {
			return b, nil // not on the platform yet: nobody could react
		}
		if err != nil {
			return b, fmt.Errorf("read vote post of case %d: %w", c.ID, err)
		}
		ref = p.Ref
	}
	held, err := w.tx.Reactions(c.Platform, ref)
	if err != nil {
		return b, fmt.Errorf("read reactions on case %d: %w", c.ID, err)
	}
	for _, h := range held { // by Seq: a later reaction replaces an earlier vote
		if ch, ok := choiceFor(r.Kind, h.Emoji); ok && eligible[h.User] != "" {
			b.Votes[eligible[h.User]] = ch
		}
	}
	return b, nil
}

// vote applies a vote reaction added or removed on a round's post.
func (w *work) vote(c Case, p Post, user UserID, emoji string, added bool) error {
	n := 1 // the card is the first round's ballot
	if v, ok := p.Name.Round(); ok {
		n = v
	}
	if c.Stage != InitialReview && c.Stage != FinalReview {
		// No vote in progress: the reaction means nothing.
		_, initial := choiceFor(InitialRound, emoji)
		if _, final := choiceFor(FinalRound, emoji); added && (initial || final) {
			w.votes = append(w.votes, VoteNoReview)
		}
		return nil
	}
	if n != c.Round {
		// An old round: its reactions no longer count. A member who
		// votes there is told, once per round, where the vote is.
		return w.votedElsewhere(c, user, emoji, added)
	}
	// The current round of a case under review is open (deciding or
	// closing a round moves the case on): its row is read only when the
	// vote decides or escalates it.
	r := Round{CaseID: c.ID, N: n, Kind: KindOf(c), Post: p.Name}
	choice, ok := choiceFor(r.Kind, emoji)
	if !ok {
		return nil
	}
	changed, err := w.setReaction(c, p, user, emoji, added)
	if err != nil || !changed {
		return err
	}
	if w.voteRefs == nil {
		w.voteRefs = map[[2]int64]string{}
	}
	w.voteRefs[key(c, r)] = p.Ref
	committee, err := w.committee(c.Platform)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(committee, func(m Member) bool { return m.ID == user })
	switch {
	case i < 0:
		if added {
			w.votes = append(w.votes, VoteNotCommittee)
			return w.noticeOnce(c, user, "vote.not_member", forever, T("notice.not_member", "id", caseRef(c.ID)))
		}
		return nil
	case committee[i].Is(c.Requester):
		if added {
			w.votes = append(w.votes, VoteRequester)
			return w.noticeOnce(c, user, fmt.Sprintf("vote.recused/%d", c.ID), forever, T("notice.recused", "id", caseRef(c.ID)))
		}
		return nil
	}
	w.votes = append(w.votes, VoteCounted)
	ev := EvVoteCast
	if !added {
		ev = EvVoteRemoved
	}
	if err := w.event(c, user, ev, "round", strconv.Itoa(r.N), "choice", string(choice)); err != nil {
		return err
	}
	// A vote after the deadline still counts, by the deadline's rule (see
	// the README): one that gives a plurality with a quorum decides the
	// round the chair was asked to decide.
	full, err := w.tx.Round(c.ID, r.N)
	if err != nil {
		return fmt.Errorf("read round %d of case %d: %w", r.N, c.ID, err)
	}
	return w.weigh(c, full, !w.now.Before(full.Deadline))
}

// votedElsewhere tells a committee member who added a vote emoji to an
// earlier round's post that it does not count, and where the vote is: once
// per round.
func (w *work) votedElsewhere(c Case, user UserID, emoji string, added bool) error {
	if _, ok := choiceFor(KindOf(c), emoji); !ok || !added {
		return nil
	}
	committee, err := w.committee(c.Platform)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(committee, func(m Member) bool { return m.ID == user })
	if i >= 0 && committee[i].Is(c.Requester) || i < 0 && user == c.Requester {
		return nil
	}
	w.votes = append(w.votes, VoteOldRound)
	if i < 0 {
		return nil
	}
	first, err := w.tx.FirstNotice(user, fmt.Sprintf("vote.moved/%d/%d", c.ID, c.Round), w.now, forever)
	if err != nil || !first {
		return err
	}
	m := w.to(user, T("notice.vote_moved", "id", caseRef(c.ID), "round", roundNo(c.Round)))
	m.LinkThread = true
	return w.dm(c, NoPost, user, m)
}

// setReaction records a reaction in the set; false when nothing changed.
func (w *work) setReaction(c Case, p Post, user UserID, emoji string, added bool) (bool, error) {
	var changed bool
	var err error
	if added {
		changed, err = w.tx.AddReaction(c.Platform, p.Ref, user, emoji)
	} else {
		changed, err = w.tx.RemoveReaction(c.Platform, p.Ref, user, emoji)
	}
	if err != nil {
		return false, fmt.Errorf("record reaction on case %d: %w", c.ID, err)
	}
	if changed {
		w.ballots = nil
	}
	return changed, nil
}

// weigh applies the rule to a round after a change: decide it, escalate
// it, or show the new tally.
func (w *work) weigh(c Case, r Round, deadlinePassed bool) error {
	b, err := w.ballot(c, r)
	if err != nil {
		return err
	}
	v := w.s.cfg.Rule.Decide(b, deadlinePassed)
	if !v.Decided && !v.Escalate {
		return w.refreshVote(c, r)
	}
	if v.Decided {
		return w.decide(&c, r, b, v, "", "")
	}
	return w.escalate(c, r, v.Reason)
}

// forever is how long a notice told once ever is kept (see
// Tx.FirstNotice): a person is told it once, and the marks that a deleted
// post is being made again are rare and must not let it be made twice.
const forever time.Duration = 0

// noticeOnce tells a person something privately, once for key while the
// record is kept (keep; forever for once ever).
func (w *work) noticeOnce(c Case, user UserID, key string, keep time.Duration, t Text) error {
	first, err := w.tx.FirstNotice(user, key, w.now, keep)
	if err != nil || !first {
		return err
	}
	return w.dm(c, NoPost, user, w.to(user, t))
}

// decide closes a round with its result and moves the case on; reason is
// the committee's, for the requester, when one was given with it.
func (w *work) decide(c *Case, r Round, b Ballot, v Verdict, actor UserID, reason string) error {
	r.Closed, r.Result = true, v.Result
	if err := w.tx.UpdateRound(r); err != nil {
		return fmt.Errorf("close round %d of case %d: %w", r.N, c.ID, err)
	}
	if err := w.endBallot(*c, r); err != nil {
		return err
	}
	votes := make([]Vote, 0, len(b.Votes))
	for _, u := range b.Eligible {
		if ch, ok := b.Votes[u]; ok {
			votes = append(votes, Vote{CaseID: c.ID, Round: r.N, Voter: u, Choice: ch})
		}
	}
	if err := w.tx.SaveVotes(votes); err != nil {
		return fmt.Errorf("record votes of case %d: %w", c.ID, err)
	}
	if err := w.tx.CancelTimers(c.ID, r.N); err != nil {
		return fmt.Errorf("cancel timers of case %d: %w", c.ID, err)
	}
	if err := w.said(*c, actor, EvRoundDecided, reason, "round", strconv.Itoa(r.N), "result", string(v.Result), "reason", string(v.Reason)); err != nil {
		return err
	}
	if err := w.toThread(*c, w.committeeMsg(T("thread.decided",
		"round", roundNo(r.N), "result", X(choiceText(v.Result)), "reason", X(reasonText(v.Reason))))); err != nil {
		return err
	}
	if r.Post != PostCard {
		if err := w.edit(*c, r.Post); err != nil {
			return err
		}
	}
	id := caseRef(c.ID)
	var err error
	switch v.Result {
	case Accept:
		if err = w.setStage(c, Routing, ""); err == nil {
			err = w.postRouting(*c)
		}
		if err == nil {
			err = w.tellRequester(*c, NoPost, T("dm.accepted", "id", id, "title", c.TitleArg()))
		}
	case Info:
		if err = w.setStage(c, NeedsInfo, ""); err == nil {
			err = w.toThread(*c, w.committeeMsg(T("thread.info_needed", "cmd", command(fmt.Sprintf("ask #%d", c.ID)))))
		}
		if err == nil {
			err = w.tellRequester(*c, NoPost, T("dm.needs_info", "id", id, "title", c.TitleArg()))
		}
	case Go:
		if err = w.setStage(c, Support, ""); err == nil {
			err = w.toThread(*c, w.committeeMsg(T("thread.go", "cmd", command(fmt.Sprintf("resolve #%d", c.ID)))))
		}
		if err == nil {
			err = w.tellStaffSupport(*c, false)
		}
		if err == nil && c.Owner != "" {
			err = w.startIdle(*c)
		}
		if err == nil {
			err = w.tellRequester(*c, NoPost, T("dm.go", "id", id, "title", c.TitleArg()))
		}
	case Decline, NoGo:
		lines := []Text{T("dm.declined", "id", id, "title", c.TitleArg())}
		if reason != "" {
			lines = append(lines, T("dm.declined.reason"), Quoted(reason))
		} else {
			// Decided by reactions: whoever voted may tell the requester
			// why (asked before the thread is archived).
			err = w.toThread(*c, w.committeeMsg(T("thread.reason.ask", "cmd", command(fmt.Sprintf("reason #%d …", c.ID)))))
		}
		if err == nil {
			err = w.closeCase(c, Declined)
		}
		if err == nil {
			err = w.tellRequester(*c, NoPost, lines...)
		}
	case Back:
		err = w.backToGroups(c)
	}
	if err != nil {
		return err
	}
	return w.refreshCard(*c)
}

// escalate hands a round to the chair (or, when the chair is recused or
// missing, to staff), once.
func (w *work) escalate(c Case, r Round, why Reason) error {
	if r.Escalated {
		return w.refreshVote(c, r)
	}
	r.Escalated = true
	if err := w.tx.UpdateRound(r); err != nil {
		return fmt.Errorf("escalate round %d of case %d: %w", r.N, c.ID, err)
	}
	if err := w.event(c, "", EvEscalated, "round", strconv.Itoa(r.N), "reason", string(why)); err != nil {
		return err
	}
	deciders, err := w.deciders(c)
	if err != nil {
		return err
	}
	cmd := command(fmt.Sprintf("decide #%d …", c.ID))
	people := make([]Text, len(deciders))
	for i, u := range deciders {
		people[i] = T("person", "who", P(w.person(u)))
		m := w.to(u, T("dm.escalated", "id", caseRef(c.ID), "title", c.TitleArg(), "reason", X(reasonText(why)), "cmd", cmd))
		m.LinkThread = true
		if err := w.dm(c, NoPost, u, m); err != nil {
			return err
		}
	}
	m := w.committeeMsg(T("thread.escalated", "who", L(people), "reason", X(reasonText(why)), "cmd", cmd))
	m.Ping = deciders
	if err := w.toThread(c, m); err != nil {
		return err
	}
	return w.refreshVote(c, r)
}

// deciders are who settles an escalated round: the chair, unless the chair
// filed the case or there is none; then the staff.
func (w *work) deciders(c Case) ([]UserID, error) {
	all, err := w.tx.Members(c.Platform)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	var chairs, staff []UserID
	for _, m := range all {
		if m.Is(c.Requester) {
			continue
		}
		if m.Roles.Chair {
			chairs = append(chairs, m.ID)
		}
		if m.Roles.Staff {
			staff = append(staff, m.ID)
		}
	}
	if len(chairs) > 0 {
		return chairs, nil
	}
	return staff, nil
}

// postRouting posts the routing message: one reaction per working group and
// one for "no group needed".
func (w *work) postRouting(c Case) error {
	if err := w.post(c, PostRouting, Place{Kind: InThread}, w.routingMessage(c)); err != nil {
		return err
	}
	return w.react(c, PostRouting, w.routingEmoji()...)
}

// routingMessage lists the working groups and their emoji.
func (w *work) routingMessage(c Case) Message {
	lines := []Text{T("routing.how", "cmd", command(fmt.Sprintf("route #%d", c.ID)))}
	for _, g := range w.s.cfg.Groups {
		lines = append(lines, T("routing.option", "emoji", C(g.Emoji), "group", X(w.s.groupText(g.ID)), "id", C(g.ID)))
	}
	lines = append(lines, T("routing.none", "emoji", C(w.s.cfg.NoGroupEmoji)))
	return Message{Lang: w.s.cfg.CommitteeLang, Title: T("routing.title", "id", caseRef(c.ID)), Lines: lines}
}

// routingEmoji are the reactions of the routing message: one per group,
// then "no group needed".
func (w *work) routingEmoji() []string {
	emoji := make([]string, 0, len(w.s.cfg.Groups)+1)
	for _, g := range w.s.cfg.Groups {
		emoji = append(emoji, g.Emoji)
	}
	return append(emoji, w.s.cfg.NoGroupEmoji)
}

// route sends a case to working groups; no groups means none is needed and
// the case goes straight to final review. It returns the groups it was
// sent to that have nobody on the case's platform: staff are told, and
// the caller tells the person routing.
func (w *work) route(c *Case, by UserID, groups []string) (empty []string, err error) {
	if len(groups) == 0 {
		if c.Stage != Routing {
			return nil, refuse(NotNow, "error.route_none_late", "id", caseRef(c.ID))
		}
		if err := w.event(*c, by, EvRouted, "groups", ""); err != nil {
			return nil, err
		}
		if err := w.setStage(c, FinalReview, ""); err != nil {
			return nil, err
		}
		if err := w.toThread(*c, w.committeeMsg(T("thread.no_group", "who", P(w.person(by))))); err != nil {
			return nil, err
		}
		return nil, w.startRound(c, FinalRound)
	}
	var added []string
	for _, g := range groups {
		a := Assignment{CaseID: c.ID, Group: g, RoutedBy: by, RoutedAt: w.now}
		ok, err := w.tx.Assign(a)
		if err != nil {
			return nil, fmt.Errorf("route case %d to %s: %w", c.ID, g, err)
		}
		if !ok {
			continue
		}
		added = append(added, g)
		if err := w.post(*c, GroupPost(g), Place{Kind: InGroup, Group: g}, w.groupCard(*c, a)); err != nil {
			return nil, err
		}
		if err := w.startWait(*c, TimerUnclaimed, g); err != nil {
			return nil, err
		}
		if err := w.react(*c, GroupPost(g), EmojiClaim); err != nil {
			return nil, err
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	if err := w.event(*c, by, EvRouted, "groups", strings.Join(added, ",")); err != nil {
		return nil, err
	}
	if c.Stage == Routing {
		if err := w.setStage(c, WorkingGroup, ""); err != nil {
			return nil, err
		}
	}
	if err := w.toThread(*c, w.committeeMsg(T("thread.routed", "groups", w.s.groupsText(added), "who", P(w.person(by))))); err != nil {
		return nil, err
	}
	if empty, err = w.emptyGroups(*c, added); err != nil {
		return nil, err
	}
	if len(empty) > 0 {
		text := T("dm.group_empty.staff", "id", caseRef(c.ID), "title", c.TitleArg(), "groups", w.s.groupsText(empty), "who", P(w.person(by)))
		if err := w.tellStaffOnce(*c, fmt.Sprintf("group.empty/%d/%s", c.ID, strings.Join(empty, ",")), text); err != nil {
			return nil, err
		}
	}
	return empty, w.refreshCard(*c)
}

// emptyGroups are those of groups that nobody on the case's platform is a
// member of, as far as the roster tells.
func (w *work) emptyGroups(c Case, groups []string) ([]string, error) {
	all, err := w.tx.Members(c.Platform)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	var empty []string
	for _, g := range groups {
		if !slices.ContainsFunc(all, func(m Member) bool { return m.Roles.InGroup(g) }) {
			empty = append(empty, g)
		}
	}
	return empty, nil
}

// claim records that a member of a routed group took the case up, and
// brings them into the thread.
func (w *work) claim(c Case, by UserID, group string) (bool, error) {
	ok, err := w.tx.Claim(c.ID, group, by, w.now)
	if err != nil {
		return false, fmt.Errorf("claim case %d for %s: %w", c.ID, group, err)
	}
	if !ok {
		return false, nil
	}
	if err := w.event(c, by, EvClaimed, "group", group); err != nil {
		return false, err
	}
	// The group's card is claimed: now its recommendation is awaited,
	// from the first claim on.
	if err := w.endWait(c, TimerUnclaimed, group); err != nil {
		return false, err
	}
	if a, _, err := w.assignment(c, group); err != nil {
		return false, err
	} else if len(a.Claimers) == 1 {
		if err := w.startWait(c, TimerRecommend, group); err != nil {
			return false, err
		}
	}
	if err := w.invite(c, by); err != nil {
		return false, err
	}
	if err := w.toThread(c, w.committeeMsg(T("thread.claimed", "who", P(w.person(by)), "group", X(w.s.groupText(group))))); err != nil {
		return false, err
	}
	return true, w.refreshGroupCard(c, group)
}

func (w *work) refreshGroupCard(c Case, group string) error {
	as, err := w.tx.Assignments(c.ID)
	if err != nil {
		return fmt.Errorf("read groups of case %d: %w", c.ID, err)
	}
	for _, a := range as {
		if a.Group == group {
			return w.edit(c, GroupPost(group))
		}
	}
	return nil
}

// recommend records a group's recommendation; once every routed group has
// given one, the committee's final review starts.
func (w *work) recommend(c *Case, by UserID, group, text string) error {
	if err := w.tx.Recommend(c.ID, group, by, text, w.now); err != nil {
		return fmt.Errorf("record recommendation on case %d: %w", c.ID, err)
	}
	if err := w.said(*c, by, EvRecommended, text, "group", group); err != nil {
		return err
	}
	if err := w.endWait(*c, TimerRecommend, group); err != nil {
		return err
	}
	if err := w.toThread(*c, w.committeeMsg(T("thread.recommended", "who", P(w.person(by)), "group", X(w.s.groupText(group))), Quoted(text))); err != nil {
		return err
	}
	if err := w.refreshGroupCard(*c, group); err != nil {
		return err
	}
	as, err := w.tx.Assignments(c.ID)
	if err != nil {
		return fmt.Errorf("read groups of case %d: %w", c.ID, err)
	}
	for _, a := range as {
		if a.Recommendation == "" {
			return w.refreshCard(*c)
		}
	}
	if err := w.setStage(c, FinalReview, ""); err != nil {
		return err
	}
	return w.startRound(c, FinalRound)
}

// backToGroups reopens the work of every routed group after the committee
// voted ↩️ in final review.
func (w *work) backToGroups(c *Case) error {
	as, err := w.tx.Assignments(c.ID)
	if err != nil {
		return fmt.Errorf("read groups of case %d: %w", c.ID, err)
	}
	if len(as) == 0 {
		// No group was asked (the committee found none needed): back to
		// routing, so that the committee can choose groups now.
		if err := w.setStage(c, Routing, ""); err != nil {
			return err
		}
		if err := w.toThread(*c, w.committeeMsg(T("thread.back_to_routing"))); err != nil {
			return err
		}
		return w.postRouting(*c)
	}
	if err := w.tx.ClearRecommendations(c.ID); err != nil {
		return fmt.Errorf("reopen groups of case %d: %w", c.ID, err)
	}
	if err := w.setStage(c, WorkingGroup, ""); err != nil {
		return err
	}
	var groups []string
	for _, a := range as {
		groups = append(groups, a.Group)
		if err := w.edit(*c, GroupPost(a.Group)); err != nil {
			return err
		}
		kind := TimerUnclaimed
		if len(a.Claimers) > 0 {
			kind = TimerRecommend
		}
		if err := w.startWait(*c, kind, a.Group); err != nil {
			return err
		}
		g, _ := w.s.group(a.Group)
		lang := g.Lang
		if lang == "" {
			lang = w.s.cfg.CommitteeLang
		}
		back := Message{Lang: lang, Lines: []Text{T("group.back", "id", caseRef(c.ID), "title", c.TitleArg(), "cmd", command(fmt.Sprintf("recommend #%d …", c.ID)))}, LinkThread: true}
		if err := w.post(*c, "", Place{Kind: InGroup, Group: a.Group}, back); err != nil {
			return err
		}
	}
	return w.toThread(*c, w.committeeMsg(T("thread.back", "groups", w.s.groupsText(groups))))
}

// closeCase ends a case with an outcome: its round stops, its timers too,
// and the platform may archive its thread.
func (w *work) closeCase(c *Case, o Outcome) error {
	if c.Round > 0 {
		r, err := w.tx.Round(c.ID, c.Round)
		if err != nil {
			return fmt.Errorf("read round of case %d: %w", c.ID, err)
		}
		if !r.Closed {
			r.Closed = true
			if err := w.tx.UpdateRound(r); err != nil {
				return fmt.Errorf("end round of case %d: %w", c.ID, err)
			}
			if err := w.endBallot(*c, r); err != nil {
				return err
			}
			if r.Post != PostCard {
				if err := w.edit(*c, r.Post); err != nil {
					return err
				}
			}
		}
	}
	if err := w.tx.EndWaits(c.ID); err != nil {
		return err
	}
	c.ClosedAt, c.ClosedFrom = w.now, c.Stage
	if err := w.setStage(c, Closed, o); err != nil {
		return err
	}
	as, err := w.tx.Assignments(c.ID)
	if err != nil {
		return fmt.Errorf("read groups of case %d: %w", c.ID, err)
	}
	for _, a := range as {
		if err := w.edit(*c, GroupPost(a.Group)); err != nil {
			return err
		}
	}
	return w.enqueue(*c, Item{Op: OpArchive})
}

// timer acts on a timer that fell due: a round's reminder or deadline, a
// wait's step (waits.go), a person's digest.
func (w *work) timer(t Timer) error {
	if t.Kind == TimerDigest {
		return w.digest(t)
	}
	c, err := w.tx.Case(t.CaseID)
	if err != nil {
		return fmt.Errorf("read case %d: %w", t.CaseID, err)
	}
	if !c.Stage.Open() {
		return nil
	}
	if t.Kind != TimerReminder && t.Kind != TimerDeadline {
		return w.waitTimer(c, t)
	}
	if c.Round != t.Round {
		return nil
	}
	r, err := w.tx.Round(c.ID, t.Round)
	if err != nil {
		return fmt.Errorf("read round %d of case %d: %w", t.Round, c.ID, err)
	}
	if r.Closed {
		return nil
	}
	switch t.Kind {
	case TimerReminder:
		return w.remind(c, r)
	case TimerDeadline:
		return w.weigh(c, r, true)
	}
	return nil
}

// tellStaffSupport writes to each staff member of the case's platform, in
// their language, that the case awaits support, with the working groups'
// recommendations, and sets the reminder for when it has waited too long;
// reminder says that it has.
func (w *work) tellStaffSupport(c Case, reminder bool) error {
	all, err := w.tx.Members(c.Platform)
	if err != nil {
		return fmt.Errorf("list members: %w", err)
	}
	as, err := w.tx.Assignments(c.ID)
	if err != nil {
		return fmt.Errorf("read groups of case %d: %w", c.ID, err)
	}
	cmd := command(fmt.Sprintf("resolve #%d", c.ID))
	head := T("dm.support", "id", caseRef(c.ID), "title", c.TitleArg(), "cmd", cmd)
	if reminder {
		head = T("dm.support.reminder", "id", caseRef(c.ID), "title", c.TitleArg(), "since", At(c.UpdatedAt), "cmd", cmd)
	}
	lines := []Text{head}
	for _, a := range as {
		if a.Recommendation != "" {
			lines = append(lines, T("dm.support.recommendation", "group", X(w.s.groupText(a.Group)), "who", P(w.person(a.RecommendedBy))), Quoted(a.Recommendation))
		}
	}
	if len(as) == 0 {
		lines = append(lines, T("dm.support.no_groups"))
	}
	told := 0
	for _, m := range all {
		// A case someone owns is theirs to support: the others are not
		// told, nor reminded.
		if !m.Roles.Staff || c.Owner != "" && m.ID != c.Owner {
			continue
		}
		msg := w.to(m.ID, lines...)
		msg.LinkThread = true
		if err := w.dm(c, NoPost, m.ID, msg); err != nil {
			return err
		}
		told++
	}
	if told == 0 {
		w.s.log.Warn("no staff to tell that a case awaits support", "case", c.ID, "platform", c.Platform)
	}
	if w.s.cfg.SupportRemindAfter < 0 || c.Owner != "" {
		return nil
	}
	since := w.now
	if reminder {
		if err := w.event(c, "", EvWaitReminded, "wait", string(TimerSupport), "to", "staff"); err != nil {
			return err
		}
		since = c.UpdatedAt
	}
	// Reminded again after each such wait, until someone takes the case.
	t := Timer{CaseID: c.ID, Kind: TimerSupport, Step: 1, Since: since, Due: w.now.Add(w.s.cfg.SupportRemindAfter)}
	if err := w.tx.AddTimer(t); err != nil {
		return fmt.Errorf("set support reminder of case %d: %w", c.ID, err)
	}
	return nil
}

// remind writes to the eligible members who have not voted yet. A
// reminder that falls due only after the deadline (the helpdesk was down)
// is not sent: the deadline decides the round now, and "closes in -24
// hours" would tell nobody anything.
func (w *work) remind(c Case, r Round) error {
	if !w.now.Before(r.Deadline) {
		return nil
	}
	b, err := w.ballot(c, r)
	if err != nil {
		return err
	}
	waiting := b.Waiting()
	for _, u := range waiting {
		left := r.Deadline.Sub(w.now).Round(time.Hour)
		t := T("dm.reminder", "id", caseRef(c.ID), "title", c.TitleArg(), "at", At(r.Deadline), "kind", X(T("round."+string(r.Kind)))).Plural(int(left.Hours()))
		m := w.to(u, t, voteHow(r.Kind))
		m.LinkThread = true
		if err := w.dm(c, NoPost, u, m); err != nil {
			return err
		}
	}
	return w.event(c, "", EvReminded, "round", strconv.Itoa(r.N), "members", strconv.Itoa(len(waiting)))
}
