package dashboard

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Failed sign-ins are counted per address: after failedMax within
// failedWindow, the address is told to wait until the window has passed.
// A secret cannot be guessed (256 bits); this keeps a script that tries
// from costing the helpdesk anything, and says so in its log once.
const (
	failedMax    = 20
	failedWindow = 15 * time.Minute
	// failedAddrs bounds the addresses remembered: past it, the oldest
	// windows are forgotten first.
	failedAddrs = 10000
)

// failedSignIns counts the failed sign-ins of each address in its
// current window.
type failedSignIns struct {
	mu sync.Mutex
	by map[string]*failures
}

type failures struct {
	since time.Time
	n     int
}

func newFailedSignIns() *failedSignIns { return &failedSignIns{by: map[string]*failures{}} }

// allow reports whether addr may try to sign in at now.
func (f *failedSignIns) allow(addr string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	x, ok := f.by[addr]
	if !ok || now.Sub(x.since) >= failedWindow {
		return true
	}
	return x.n < failedMax
}

// add counts a failed sign-in of addr at now.
func (f *failedSignIns) add(addr string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	x, ok := f.by[addr]
	if !ok || now.Sub(x.since) >= failedWindow {
		if !ok && len(f.by) >= failedAddrs {
			f.forget(now)
		}
		f.by[addr] = &failures{since: now, n: 1}
		return
	}
	x.n++
}

// forget drops the windows that have passed, and when none has, the
// oldest half: the map never holds more than failedAddrs.
func (f *failedSignIns) forget(now time.Time) {
	for a, x := range f.by {
		if now.Sub(x.since) >= failedWindow {
			delete(f.by, a)
		}
	}
	if len(f.by) < failedAddrs {
		return
	}
	var oldest time.Time
	for _, x := range f.by {
		if oldest.IsZero() || x.since.Before(oldest) {
			oldest = x.since
		}
	}
	cut := oldest.Add(now.Sub(oldest) / 2)
	for a, x := range f.by {
		if !x.since.After(cut) {
			delete(f.by, a)
		}
	}
}

// clientAddr is the address a request came from, without its port. The
// dashboard is meant to be reached directly or through a proxy on the
// same machine; behind a proxy every request has the proxy's address,
// and the limit then holds for all together.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
