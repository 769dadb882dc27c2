package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the statements of one pool prepared. Preparing is a good
// part of the cost of a short transaction in SQLite, and the store runs the
// same few dozen statements again and again. A statement is prepared on
// the pool after the transaction that first needed it has ended: preparing
// it during the transaction would wait for a connection that the
// transaction itself holds (the writer pool has only one).
type stmtCache struct {
	db *sql.DB

	mu     sync.Mutex
	ready  map[string]*sql.Stmt
	wanted map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, ready: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// get returns the prepared statement for query, or nil (and remembers to
// prepare it) when there is none yet.
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.ready[query]; ok {
		return st
	}
	c.wanted[query] = true
	return nil
}

// prepareWanted prepares the statements asked for since the last call. It
// must be called with no connection of the pool held. A statement that
// fails to prepare is simply run unprepared next time.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	if len(c.wanted) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		queries = append(queries, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	for _, q := range queries {
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, dup := c.ready[q]; dup {
			st.Close()
		} else {
			c.ready[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.ready {
		st.Close()
		delete(c.ready, q)
	}
}
