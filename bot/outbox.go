package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// deliverBatch is how many outbox items one pass reads.
const deliverBatch = 32

// Deliver performs the outbox work of a platform that is due now, in order,
// and returns how many items it performed or gave up. Work that fails for a
// passing reason is put off with a growing delay and tried again by a later
// call. Run calls Deliver whenever new work is committed; the shell calls
// it after each line so its transcript reads in order.
func (s *Service) Deliver(ctx context.Context, platform string) (int, error) {
	o := s.outlet(platform)
	if o == nil {
		return 0, fmt.Errorf("deliver: no chat attached for %q", platform)
	}
	o.busy.Lock()
	defer o.busy.Unlock()
	total := 0
	for {
		var items []Item
		err := s.view(ctx, func(w *work) error {
			var err error
			items, err = w.tx.Pending(platform, w.now, deliverBatch)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("read outbox: %w", err)
		}
		progress := 0
		blocked := map[int64]bool{} // cases whose earlier item was put off in this pass
		for _, it := range items {
			if it.CaseID != 0 && blocked[it.CaseID] {
				continue
			}
			done, err := s.perform(ctx, o.chat, it)
			if err != nil {
				return total, err
			}
			if done {
				progress++
			} else if it.CaseID != 0 && it.Op != OpEdit { // nothing waits for a refresh
				blocked[it.CaseID] = true
			}
		}
		total += progress
		if progress == 0 { // work done may have caused more: read again until none is left
			return total, nil
		}
	}
}

// perform does one item and records the result. It reports whether the item
// is finished (done or given up); an error means the store failed.
func (s *Service) perform(ctx context.Context, chat Chat, it Item) (bool, error) {
	key, err := s.key(ctx, it.ID)
	if err != nil {
		return false, err
	}
	it.Message.Key = key
	if it.Collapse != "" {
		// A refresh is rendered from the state now: from here on, a change
		// must enqueue a refresh of its own rather than fold into this one.
		// (Writes are serialised: a change committed before this mark has
		// folded in and is rendered; one committed after adds an item.)
		if err := s.update(ctx, func(w *work) error { return w.tx.Take(it.ID) }); err != nil {
			return false, fmt.Errorf("take outbox item %d: %w", it.ID, err)
		}
	}
	ref, target, err := s.call(ctx, chat, it)
	if err == nil {
		uerr := s.update(ctx, func(w *work) error {
			switch {
			case it.Op == OpPost && it.Name != "":
				// A post made again (the first was deleted on the
				// platform) takes over the reactions held on the first.
				if old, err := w.tx.Post(it.CaseID, it.Name); err == nil && old.Ref != ref {
					if err := w.tx.MoveReactions(it.Platform, old.Ref, ref); err != nil {
						return fmt.Errorf("carry reactions of %s of case %d: %w", it.Name, it.CaseID, err)
					}
				}
				if err := w.tx.PutPost(Post{CaseID: it.CaseID, Name: it.Name, Platform: it.Platform, Ref: ref}); err != nil {
					return fmt.Errorf("record post %s of case %d: %w", it.Name, it.CaseID, err)
				}
			case it.Op == OpThread:
				if err := w.tx.PutPost(Post{CaseID: it.CaseID, Name: PostThread, Platform: it.Platform, Ref: ref}); err != nil {
					return fmt.Errorf("record thread of case %d: %w", it.CaseID, err)
				}
			case it.Op == OpPost && it.Place.Kind == InDirect && it.CaseID != 0 && isLetters(chat):
				// Every letter is kept, so that a reply to it finds its case.
				name := PostName(fmt.Sprintf("letter/%d", it.ID))
				if err := w.tx.PutPost(Post{CaseID: it.CaseID, Name: name, Platform: it.Platform, Ref: ref}); err != nil {
					return fmt.Errorf("record letter of case %d: %w", it.CaseID, err)
				}
			}
			if it.Op == OpPost && it.Place.Kind == InDirect {
				if err := w.tx.SetReachable(it.Place.User, true, w.now); err != nil {
					return err
				}
			}
			return w.tx.Done(it.ID)
		})
		if uerr == nil && it.Op == OpPost && it.Name.TakesReactions() {
			s.reread(ctx, chat, ref)
		}
		return true, s.delivered(it, Delivered, uerr)
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if errors.Is(err, ErrGone) {
		// A post of the case was deleted on the platform: its work is done
		// again on the post made anew, not given up.
		var again bool
		uerr := s.update(ctx, func(w *work) error {
			var err error
			if again, err = w.goneAgain(it); err != nil || !again {
				return err
			}
			return w.tx.Done(it.ID)
		})
		if uerr != nil {
			return false, uerr
		}
		if again {
			s.cfg.Meter.Delivery(it.Platform, it.Op, DeliveryRedone)
			s.log.Info("a post of the case is gone from the platform; posting it again", "platform", it.Platform, "op", it.Op, "case", it.CaseID, "item", it.ID, "target", target)
			return true, nil
		}
	}
	permanent := errors.Is(err, ErrGone) || errors.Is(err, ErrForbidden) || errors.Is(err, ErrUnreachable) || errors.Is(err, errNoTarget)
	if !permanent && it.Attempts+1 < s.cfg.MaxAttempts {
		// 1 s, 2 s, 4 s … then every 10 minutes: with the default number of
		// attempts, work survives a platform outage of about five hours.
		delay := min(time.Second<<min(it.Attempts, 10), maxRetryDelay)
		var ra RetryAfterer
		if errors.As(err, &ra) && ra.RetryAfter() > delay {
			delay = ra.RetryAfter() // the platform said when (a 429's Retry-After)
		}
		s.log.Warn("platform call failed; will retry", "platform", it.Platform, "op", it.Op, "case", it.CaseID, "item", it.ID, "in", delay, "err", err)
		return false, s.delivered(it, DeliveryRetry, s.update(ctx, func(w *work) error { return w.tx.Retry(it.ID, w.now.Add(delay), err.Error()) }))
	}
	s.log.Error("platform call given up", "platform", it.Platform, "op", it.Op, "case", it.CaseID, "item", it.ID, "target", target, "err", err)
	return true, s.delivered(it, DeliveryGaveUp, s.update(ctx, func(w *work) error {
		if err := w.tx.Fail(it.ID, err.Error()); err != nil {
			return err
		}
		return w.failed(it, err)
	}))
}

// reread asks the platform, when it can, to read the reactions on post
// ref again now that the post is recorded. A person may react in the
// moment between the post's creation on the platform and its record here
// (the platform shows the post before its answer to the post reaches the
// helpdesk, and its reaction event may come first): the core ignores a
// reaction on a post it does not know, so that reaction would be lost
// until the next reconnect. Reading the post again rather than keeping
// early reactions in the core is what survives a restart as well:
//
//   - killed after the post was made and before its record, the outbox
//     makes the post again with the same key, the platform answers with the
//     same post (within its memory of keys), and this read follows that
//     record;
//   - killed after the record and before this read, the reconcile every
//     adapter does after it connects reads the post, which is watched now.
//
// The read is only scheduled: the adapter does it in order with its live
// reaction events, so that an older read cannot undo a newer event.
func (s *Service) reread(ctx context.Context, chat Chat, ref string) {
	if r, ok := chat.(Rereader); ok {
		r.Reread(ctx, ref)
	}
}

// delivered counts an attempt at it once its result is recorded (err, the
// store's answer, is nil) and returns err.
func (s *Service) delivered(it Item, r DeliveryResult, err error) error {
	if err == nil {
		s.cfg.Meter.Delivery(it.Platform, it.Op, r)
	}
	return err
}

// key is the idempotency key of outbox item id, "helpdesk-INSTALL-ID":
// the same for every attempt at the item, across restarts, and never the
// same for two items, whatever database or instance made them. Platforms
// remember keys server-wide (Mattermost's pending_post_id across every
// channel, Discord's nonce for each author), so a key of the row id alone
// would make one database's new post another's old one.
func (s *Service) key(ctx context.Context, id int64) (string, error) {
	s.mu.Lock()
	inst := s.install
	s.mu.Unlock()
	if inst == "" {
		err := s.view(ctx, func(w *work) error {
			var err error
			inst, err = w.tx.Installation()
			return err
		})
		if err != nil {
			return "", fmt.Errorf("read the installation id: %w", err)
		}
		s.mu.Lock()
		s.install = inst
		s.mu.Unlock()
	}
	return fmt.Sprintf("helpdesk-%s-%d", inst, id), nil
}

// maxRetryDelay is the longest the outbox waits between two attempts.
const maxRetryDelay = 10 * time.Minute

// errNoTarget means an item refers to a post or thread that never made it
// to the platform.
var errNoTarget = errors.New("target was never posted")

// call performs an item on the platform, resolving the names of posts and
// threads to their platform references first.
func (s *Service) call(ctx context.Context, chat Chat, it Item) (ref, target string, err error) {
	lookup := func(name PostName) (string, error) {
		var ref string
		err := s.view(ctx, func(w *work) error {
			p, err := w.tx.Post(it.CaseID, name)
			ref = p.Ref
			return err
		})
		if errors.Is(err, ErrNotFound) {
			return "", fmt.Errorf("%s of case %d: %w", name, it.CaseID, errNoTarget)
		}
		return ref, err
	}
	if it.Op == OpPost && it.Place.Kind == InThread || it.Op == OpInvite || it.Op == OpArchive || it.Message.LinkThread {
		th, err := lookup(PostThread)
		if err != nil {
			return "", string(PostThread), err
		}
		it.Place.Thread, it.Message.Thread = th, th
	}
	switch it.Op {
	case OpPost:
		if _, letters := chat.(Letters); letters && it.Place.Kind == InDirect && it.CaseID != 0 {
			// A letter refers to the case's earlier ones, so that the
			// reader's mail program keeps them together.
			err := s.view(ctx, func(w *work) error {
				posts, err := w.tx.PlatformPosts(it.CaseID, it.Platform)
				for _, p := range posts {
					it.Message.References = append(it.Message.References, p.Ref)
				}
				return err
			})
			if err != nil {
				return "", "", err
			}
		}
		ref, err = chat.Post(ctx, it.Place, it.Message)
		return ref, string(it.Place.Kind), err
	case OpThread:
		card, err := lookup(it.Name)
		if err != nil {
			return "", string(it.Name), err
		}
		ref, err = chat.StartThread(ctx, card, it.Message)
		return ref, card, err
	case OpUnreact:
		target, err := lookup(it.Name)
		if err != nil {
			return "", string(it.Name), err
		}
		if u, ok := chat.(Unreacter); ok {
			return "", target, u.Unreact(ctx, target, it.Emoji)
		}
		return "", target, nil
	case OpEdit, OpReact:
		target, err := lookup(it.Name)
		if err != nil {
			return "", string(it.Name), err
		}
		if it.Op == OpEdit {
			var m Message
			err := s.view(ctx, func(w *work) error {
				c, err := w.tx.Case(it.CaseID)
				if err != nil {
					return fmt.Errorf("read case %d: %w", it.CaseID, err)
				}
				m, err = w.view(c, it.Name)
				return err
			})
			if err != nil {
				return "", target, err
			}
			m.Key = it.Message.Key
			if m.LinkThread {
				if m.Thread, err = lookup(PostThread); err != nil {
					return "", string(PostThread), err
				}
			}
			return "", target, chat.Edit(ctx, target, m)
		}
		return "", target, chat.React(ctx, target, it.Emoji)
	case OpInvite:
		return "", it.Place.Thread, chat.Invite(ctx, it.Place.Thread, it.User)
	case OpRename:
		thread, err := lookup(PostThread)
		if err != nil {
			return "", string(PostThread), err
		}
		r, ok := chat.(Renamer)
		if !ok {
			return "", thread, nil
		}
		var name Message
		err = s.view(ctx, func(w *work) error {
			c, err := w.tx.Case(it.CaseID)
			if err != nil {
				return fmt.Errorf("read case %d: %w", it.CaseID, err)
			}
			name = w.threadName(c)
			return nil
		})
		if err != nil {
			return "", thread, err
		}
		return "", thread, r.Rename(ctx, thread, name)
	case OpArchive:
		if a, ok := chat.(Archiver); ok {
			return "", it.Place.Thread, a.Archive(ctx, it.Place.Thread)
		}
		return "", "", nil
	}
	return "", "", fmt.Errorf("unknown outbox op %q", it.Op)
}

// failed records work given up, and where a person could not be written to
// privately, says so in the case's thread so that someone can reach them.
func (w *work) failed(it Item, cause error) error {
	if it.CaseID == 0 {
		return nil
	}
	c, err := w.tx.Case(it.CaseID)
	if err != nil {
		return fmt.Errorf("read case %d: %w", it.CaseID, err)
	}
	if err := w.event(c, "", EvDeliveryLost, "op", string(it.Op), "name", string(it.Name), "place", string(it.Place.Kind)); err != nil {
		return err
	}
	switch {
	case it.Op == OpPost && it.Place.Kind == InDirect && errors.Is(cause, ErrUnreachable):
		// What they missed goes to the case's thread, in their language,
		// once for each message, so that they can read it there.
		if err := w.tx.SetReachable(it.Place.User, false, w.now); err != nil {
			return err
		}
		m := it.Message
		m.Key, m.Thread, m.LinkThread = "", "", false
		head := "thread.unreachable"
		if it.Place.User.Platform() == MailPlatform {
			head = "thread.unreachable.mail" // a letter that could not go
		}
		m.Lines = append([]Text{T(head, "who", P(w.person(it.Place.User)))}, m.Lines...)
		m.Ping = nil
		if it.Place.User.Platform() == c.Platform { // someone of the chat, who may read it there
			m.Ping = []UserID{it.Place.User}
		}
		m.Subject, m.References = Text{}, nil
		return w.toThread(c, m)
	case errors.Is(cause, ErrForbidden):
		return w.tellStaffOnce(c, "forbidden/"+string(it.Op)+"/"+string(it.Place.Kind), T("notice.forbidden", "op", C(string(it.Op)), "id", caseRef(c.ID)))
	}
	return nil
}

// tellStaffOnce writes to every staff member of the case's platform, once
// for key.
func (w *work) tellStaffOnce(c Case, key string, t Text) error {
	all, err := w.tx.Members(c.Platform)
	if err != nil {
		return fmt.Errorf("list members: %w", err)
	}
	for _, m := range all {
		if m.Roles.Staff {
			if err := w.noticeOnce(c, m.ID, key, forever, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// Run does the helpdesk's background work until ctx ends: each attached
// platform's outbox as soon as work is committed (and every poll interval
// for retries), and the timers every tick interval. It acts on timers that
// fell due while the helpdesk was down before anything else.
func (s *Service) Run(ctx context.Context, poll, tick time.Duration) error {
	if err := s.Tick(ctx); err != nil {
		s.log.Error("timers", "err", err)
	}
	s.mu.Lock()
	outlets := make(map[string]*outlet, len(s.chats))
	for p, o := range s.chats {
		outlets[p] = o
	}
	s.mu.Unlock()
	done := make(chan struct{})
	for p, o := range outlets {
		go func() {
			defer func() { done <- struct{}{} }()
			t := time.NewTicker(poll)
			defer t.Stop()
			for {
				switch _, err := s.Deliver(ctx, p); {
				case err == nil || ctx.Err() != nil:
				case errors.Is(err, ErrBusy):
					// Another process holds the database (a backup, an
					// operator's sqlite3): passing, and the work waits.
					s.log.Warn("outbox: the database is busy; trying again", "platform", p, "err", err)
				default:
					s.log.Error("outbox", "platform", p, "err", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-o.wake:
				case <-t.C:
				}
			}
		}()
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			for range outlets {
				<-done
			}
			return nil
		case <-t.C:
			if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("timers", "err", err)
			}
		}
	}
}

// goneAgain handles work that found its target deleted on the platform
// (bot.ErrGone): the post is made again, and the work is done on the new
// one. It reports false for work it cannot carry over (a channel that is
// gone, a case whose post no longer matters, or work moved too often),
// which is then given up.
//
//   - An edit or a reaction of a deleted post: the post is made again as
//     the case stands now, with the helpdesk's reactions, so the work is
//     done by that.
//   - A thread that could not be started because its card is gone: the
//     card is made again, and the thread with it.
//   - A post in, an invitation to or the archiving of a deleted thread: the
//     thread is started again (on a platform where the thread is the
//     card's replies, the card is made again, which moves the thread), and
//     the work is done again after that.
func (w *work) goneAgain(it Item) (bool, error) {
	if it.CaseID == 0 || it.Attempts+1 >= w.s.cfg.MaxAttempts {
		return false, nil
	}
	c, err := w.tx.Case(it.CaseID)
	if err != nil {
		return false, fmt.Errorf("read case %d: %w", it.CaseID, err)
	}
	var handled, fresh bool
	switch {
	case it.Op == OpUnreact:
		return true, nil // a deleted post carries no reaction
	case it.Op == OpEdit || it.Op == OpReact || it.Op == OpThread:
		// Posted again now, the post shows the state now and carries
		// every reaction: the work is done by that. Posted again before
		// (still on its way), it may show an older state or lack this
		// reaction: the work is done again after it.
		handled, fresh, err = w.repost(c, it.Name)
		if err != nil || !handled || fresh {
			return handled, err
		}
	case it.Op == OpPost && it.Place.Kind == InThread, it.Op == OpInvite, it.Op == OpArchive:
		if handled, err = w.threadGone(c); err != nil || !handled {
			return handled, err
		}
	default:
		return false, nil
	}
	// Done again after the post or thread is back: enqueued now, it comes
	// after the work that brings it back. A post lost again and again is
	// tried with a growing delay, and given up at last.
	again := it
	again.ID, again.Attempts, again.Due = 0, it.Attempts+1, time.Time{}
	again.Place.Thread, again.Message.Key, again.Message.Thread = "", "", ""
	if it.Attempts > 0 {
		again.Due = w.now.Add(min(time.Second<<min(it.Attempts, 10), maxRetryDelay))
	}
	return true, w.enqueue(c, again)
}

// threadGone brings a case's deleted thread back: where the thread is the
// card's replies (Mattermost), by posting the card again; otherwise by
// starting the thread again on the card. Each lost thread is brought back
// once; false when the case has no thread to bring back.
func (w *work) threadGone(c Case) (bool, error) {
	th, err := w.tx.Post(c.ID, PostThread)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read thread of case %d: %w", c.ID, err)
	}
	if card, err := w.tx.Post(c.ID, PostCard); err == nil && card.Ref == th.Ref {
		handled, _, err := w.repost(c, PostCard)
		return handled, err
	}
	first, err := w.tx.FirstNotice("", "rethread/"+c.Platform+"/"+th.Ref, w.now, forever)
	if err != nil || !first {
		return err == nil, err
	}
	name := w.threadName(c)
	return true, w.enqueue(c, Item{Op: OpThread, Name: PostCard, Message: name})
}

// repost posts again a post of a case that was deleted on the platform:
// the card, a vote message, the routing message or a working group's card,
// as it stands now, with the helpdesk's reactions. The reactions people
// held on it move to the new post when it is made, marked carried, and
// still count. Each deleted post is made again once: a second report of
// the same deletion finds the work already in hand and reports true.
//
// Where the case's thread is the card's replies (Mattermost), deleting the
// card deleted the thread: the thread starts again on the new card, with a
// summary of the case so far, and the posts that lived in it and still
// matter (the open round's vote message, the routing message) are made
// again there.
//
// It reports whether the post is made again (handled), and whether by this
// call (fresh) rather than by an earlier one whose work is still on its
// way; handled is false for a post that no longer matters (any post but the
// card of a closed case) or that the helpdesk does not make again.
func (w *work) repost(c Case, name PostName) (handled, fresh bool, err error) {
	if !c.Stage.Open() && name != PostCard {
		return false, false, nil
	}
	old, err := w.tx.Post(c.ID, name)
	if errors.Is(err, ErrNotFound) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("read post %s of case %d: %w", name, c.ID, err)
	}
	to, m, emoji, ok, err := w.remake(c, name)
	if err != nil || !ok {
		return false, false, err
	}
	if first, err := w.tx.FirstNotice("", "repost/"+c.Platform+"/"+old.Ref, w.now, forever); err != nil || !first {
		return err == nil, false, err
	}
	if err := w.post(c, name, to, m); err != nil {
		return false, false, err
	}
	if err := w.react(c, name, emoji...); err != nil {
		return false, false, err
	}
	th, err := w.tx.Post(c.ID, PostThread)
	switch {
	case errors.Is(err, ErrNotFound):
		return true, true, nil // no thread yet: its own item starts it on the new card
	case err != nil:
		return false, false, fmt.Errorf("read thread of case %d: %w", c.ID, err)
	case name == PostCard && th.Ref == old.Ref:
		return true, true, w.moveThread(c, th)
	}
	return true, true, w.toThread(c, w.committeeMsg(T("thread.reposted")))
}

// moveThread starts a case's thread again on its card, posted anew after
// the old card took its replies with it: first the summary of the case so
// far, then the posts of the thread that still matter.
func (w *work) moveThread(c Case, old Post) error {
	// Work that finds the old thread gone from now on waits for this one.
	if _, err := w.tx.FirstNotice("", "rethread/"+c.Platform+"/"+old.Ref, w.now, forever); err != nil {
		return err
	}
	name := w.threadName(c)
	if err := w.enqueue(c, Item{Op: OpThread, Name: PostCard, Message: name}); err != nil {
		return err
	}
	lines, err := w.historyLines(c, movedHistory, threadReader(c))
	if err != nil {
		return err
	}
	if err := w.toThread(c, w.committeeMsg(append([]Text{T("thread.moved")}, lines...)...)); err != nil {
		return err
	}
	var names []PostName
	if c.Round > 0 && (c.Stage == InitialReview || c.Stage == FinalReview) {
		if r, err := w.tx.Round(c.ID, c.Round); err == nil && !r.Closed && r.Post != PostCard {
			names = append(names, r.Post)
		}
	}
	if c.Stage == Routing || c.Stage == WorkingGroup {
		names = append(names, PostRouting)
	}
	for _, n := range names {
		p, err := w.tx.Post(c.ID, n)
		if errors.Is(err, ErrNotFound) {
			continue // not posted yet: its own item posts it in the new thread
		}
		if err != nil {
			return fmt.Errorf("read post %s of case %d: %w", n, c.ID, err)
		}
		to, m, emoji, ok, err := w.remake(c, n)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		first, err := w.tx.FirstNotice("", "repost/"+c.Platform+"/"+p.Ref, w.now, forever)
		if err != nil {
			return err
		}
		if !first {
			continue // being posted again already: it finds the new thread
		}
		if err := w.post(c, n, to, m); err != nil {
			return err
		}
		if err := w.react(c, n, emoji...); err != nil {
			return err
		}
	}
	return nil
}

// remake is a post of a case as it would be made now: where it goes, what
// it says and the helpdesk's reactions on it. ok is false for a post the
// helpdesk does not make again.
func (w *work) remake(c Case, name PostName) (to Place, m Message, emoji []string, ok bool, err error) {
	_, vote := name.Round()
	group, isGroup := name.Group()
	switch {
	case name == PostCard:
		to = Place{Kind: InCommittee}
		m, err = w.card(c)
	case vote:
		to = Place{Kind: InThread}
		m, err = w.view(c, name)
	case name == PostRouting:
		to, m = Place{Kind: InThread}, w.routingMessage(c)
		if c.Stage == Routing || c.Stage == WorkingGroup {
			emoji = w.routingEmoji()
		}
	case isGroup:
		to = Place{Kind: InGroup, Group: group}
		m, err = w.view(c, name)
		if c.Stage == WorkingGroup {
			emoji = []string{EmojiClaim}
		}
	default:
		return to, m, nil, false, nil
	}
	if err != nil {
		return to, m, nil, false, err
	}
	if c.Round > 0 && (c.Stage == InitialReview || c.Stage == FinalReview) {
		if r, err := w.tx.Round(c.ID, c.Round); err == nil && r.Post == name && !r.Closed {
			for _, ch := range ChoicesOf(r.Kind) {
				emoji = append(emoji, ChoiceEmoji(ch))
			}
		}
	}
	return to, m, emoji, true, nil
}

// threadReader is who reads a case's thread, for what is posted there: the
// committee of its platform.
func threadReader(c Case) Member {
	return Member{ID: UserID(c.Platform + ":"), Roles: Roles{Committee: true}}
}

// isLetters reports whether a platform's private messages are letters.
func isLetters(chat Chat) bool {
	_, ok := chat.(Letters)
	return ok
}
