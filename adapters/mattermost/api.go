package mattermost

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wmse/helpdesk/bot"
)

// How the adapter waits for Mattermost when it asks to be left alone
// (429) or fails (5xx, no answer). Beyond these, the call fails with a
// plain error and the core's outbox tries again later.
const (
	maxRateWait  = 5 * time.Second // the longest 429 wait inside one call
	rateRetries  = 3               // 429s waited out inside one call
	failRetries  = 3               // 5xx or transport failures retried inside one call
	firstBackoff = 100 * time.Millisecond
)

// errUnknownOutcome marks a failure after which the request may or may not
// have been carried out (no answer, or a 5xx).
var errUnknownOutcome = errors.New("outcome unknown")

// rateLimited is a 429 that was not waited out inside the call: the
// request was not carried out, and Mattermost asks to wait.
type rateLimited struct{ wait time.Duration }

func (e *rateLimited) Error() string {
	return fmt.Sprintf("rate limited by mattermost for %s", e.wait)
}

// RetryAfter tells the core's outbox how long Mattermost asked to wait.
func (e *rateLimited) RetryAfter() time.Duration { return e.wait }

var _ bot.RetryAfterer = (*rateLimited)(nil)

// transient reports whether err is Mattermost being unwell or busy rather
// than refusing, and how long it asked to wait.
func transient(err error) (wait time.Duration, ok bool) {
	var rl *rateLimited
	if errors.As(err, &rl) {
		return rl.wait, true
	}
	return 0, errors.Is(err, errUnknownOutcome)
}

// callOpts tunes one API call.
type callOpts struct {
	// once: do not retry a failure whose outcome is unknown (creating a
	// post: the caller looks for it before trying again).
	once bool
	// quiet403: a 403 is not logged; the caller finds out what it means
	// (Mattermost answers 403, not 404, to an edit of a deleted post).
	quiet403 bool
}

// do runs fn, one Client4 call, and maps Mattermost's answer to the core's
// errors: 404 → bot.ErrGone, 403 → bot.ErrForbidden (logged). A 429 is
// waited out for as long as Mattermost says (X-Ratelimit-Reset or
// Retry-After), up to maxRateWait, a few times; a 5xx or a failed
// connection is retried with backoff. What still fails comes back as a
// plain error, wrapping errUnknownOutcome when the request may have been
// carried out.
func (a *Adapter) do(ctx context.Context, what string, o callOpts, fn func() (*model.Response, error)) error {
	backoff := firstBackoff
	rated, failed := 0, 0
	for {
		a.apiCalls.Add(1)
		resp, err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		switch {
		case status == http.StatusNotFound, status == http.StatusBadRequest && appErrorID(err) == rootGone:
			return fmt.Errorf("%s: %w", what, bot.ErrGone)
		case status == http.StatusForbidden:
			if !o.quiet403 {
				a.log.Warn("mattermost refused: the bot lacks a permission", "call", what, "err", apiMessage(err))
			}
			return fmt.Errorf("%s: %s: %w", what, apiMessage(err), bot.ErrForbidden)
		case status == http.StatusTooManyRequests:
			wait := retryAfter(resp.Header)
			a.opt.Metrics.RateLimited(wait)
			if rated >= rateRetries || wait > maxRateWait {
				return fmt.Errorf("%s: %w", what, &rateLimited{wait: wait})
			}
			rated++
			a.log.Info("mattermost rate limit: waiting", "call", what, "wait", wait)
			if !sleep(ctx, wait) {
				return fmt.Errorf("%s: %w", what, ctx.Err())
			}
			continue
		case status == 0 || status >= 500:
			if o.once || failed >= failRetries {
				return fmt.Errorf("%s: status %d: %w: %s", what, status, errUnknownOutcome, apiMessage(err))
			}
			failed++
			if !sleep(ctx, backoff+rand.N(backoff)) {
				return fmt.Errorf("%s: %w", what, ctx.Err())
			}
			backoff *= 2
			continue
		}
		return fmt.Errorf("%s: status %d: %s", what, status, apiMessage(err))
	}
}

// retryAfter is how long Mattermost asks to wait: X-Ratelimit-Reset
// (seconds until the limit resets) or Retry-After (seconds), at least a
// little.
func retryAfter(h http.Header) time.Duration {
	for _, k := range []string{"Retry-After", "X-Ratelimit-Reset"} {
		if v := h.Get(k); v != "" {
			if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
				return max(time.Duration(n*float64(time.Second)), 50*time.Millisecond)
			}
		}
	}
	return time.Second
}

// rootGone is Mattermost's answer to a reply whose root post was deleted
// (a deleted card takes its thread with it).
const rootGone = "api.post.create_post.root_id.app_error"

func appErrorID(err error) string {
	var ae *model.AppError
	if errors.As(err, &ae) {
		return ae.Id
	}
	return ""
}

// apiMessage is what an error says, without request details: Client4's
// AppError carries Mattermost's message id and text.
func apiMessage(err error) string {
	var ae *model.AppError
	if errors.As(err, &ae) {
		return ae.Id + ": " + ae.Message
	}
	return err.Error()
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
