package metrics

import "net/http"

// OwnHandler serves the helpdesk's own families alone, without Go's and
// the process's, for the benchmark that sets them apart.
func (m *Metrics) OwnHandler() http.Handler { return handler(m.reg) }
