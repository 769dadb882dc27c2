package discord

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/wmse/helpdesk/bot"
)

// Discord's JSON error codes the adapter acts on.
const (
	codeUnknownChannel      = 10003
	codeUnknownGuild        = 10004
	codeUnknownMessage      = 10008
	codeUnknownMember       = 10007
	codeUnknownUser         = 10013
	codeMissingAccess       = 50001
	codeCannotDM            = 50007
	codeMissingPermissions  = 50013
	codeThreadArchived      = 50083
	codeThreadAlreadyExists = 160004
	codeAlreadyAcknowledged = 40060
)

// maxRateWait bounds how long one call waits out 429s before it gives the
// work back to the outbox, which retries it with its own backoff.
const maxRateWait = 10 * time.Second

// rateLimited is a 429 not waited out inside the call: the outbox tries
// again once Discord's Retry-After has passed.
type rateLimited struct {
	op   string
	wait time.Duration
}

func (e *rateLimited) Error() string {
	return fmt.Sprintf("discord %s: rate limited for %s", e.op, e.wait)
}

// RetryAfter is how long Discord asked to wait.
func (e *rateLimited) RetryAfter() time.Duration { return e.wait }

var _ bot.RetryAfterer = (*rateLimited)(nil)

// apiError is a failed Discord call as the adapter reports it: the
// operation, the HTTP status and Discord's code and message. It never holds
// the request (whose Authorization header carries the token) nor a URL
// (interaction URLs carry the interaction's token).
type apiError struct {
	op     string
	status int
	code   int
	msg    string
	kind   error // a bot sentinel, or nil for a passing failure
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("discord %s: HTTP %d", e.op, e.status)
	if e.code != 0 {
		s += fmt.Sprintf(" code %d", e.code)
	}
	if e.msg != "" {
		s += ": " + e.msg
	}
	if e.kind != nil {
		s += " (" + e.kind.Error() + ")"
	}
	return s
}

func (e *apiError) Unwrap() error { return e.kind }

// codeOf returns Discord's JSON error code of err, 0 if it has none.
func codeOf(err error) int {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code
	}
	return 0
}

// mapErr turns what discordgo returned into the port's errors: unknown
// channel, message or guild is bot.ErrGone; a refused DM, or a member or
// user Discord does not know, bot.ErrUnreachable; a missing permission
// bot.ErrForbidden; anything else is passing.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		e := &apiError{op: op}
		if re.Response != nil {
			e.status = re.Response.StatusCode
		}
		if re.Message != nil {
			e.code, e.msg = re.Message.Code, re.Message.Message
		}
		switch {
		case e.code == codeUnknownChannel || e.code == codeUnknownMessage || e.code == codeUnknownGuild ||
			(e.status == 404 && e.code == 0):
			e.kind = bot.ErrGone
		case e.code == codeCannotDM || e.code == codeUnknownMember || e.code == codeUnknownUser:
			// A person who left the server (or Discord): not the thread
			// or the channel that is gone.
			e.kind = bot.ErrUnreachable
		case e.status == 403 || e.code == codeMissingAccess || e.code == codeMissingPermissions:
			e.kind = bot.ErrForbidden
		}
		return e
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) {
		return &rateLimited{op: op, wait: rl.RetryAfter}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// The URL of an interaction call holds its token: keep it out.
		return fmt.Errorf("discord %s: %s: %w", op, ue.Op, ue.Err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("discord %s: %w", op, err)
	}
	// discordgo's own errors (502 after its retries, a body it could not
	// decode) hold neither the token nor a URL.
	return fmt.Errorf("discord %s: %v", op, err)
}

// call runs one REST call with ctx, waiting out 429s itself (discordgo
// would sleep without limit and without looking at ctx) for at most
// maxRateWait in all; past that the call fails with a passing error.
func (a *Adapter) call(ctx context.Context, op string, fn func(opts ...discordgo.RequestOption) error) error {
	waited := time.Duration(0)
	for {
		a.calls.Add(1)
		err := fn(discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
		var rl *discordgo.RateLimitError
		if !errors.As(err, &rl) {
			return mapErr(op, err)
		}
		wait := rl.RetryAfter
		if wait <= 0 {
			wait = 100 * time.Millisecond
		}
		a.cfg.Metrics.RateLimited(wait)
		if waited+wait > maxRateWait {
			a.log.Warn("discord rate limit: giving the call back to the outbox", "op", op, "retry_after", wait)
			return &rateLimited{op: op, wait: wait}
		}
		waited += wait
		a.log.Info("discord rate limit: waiting", "op", op, "retry_after", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("discord %s: %w", op, ctx.Err())
		case <-t.C:
		}
	}
}
