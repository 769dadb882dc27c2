package bot

import (
	"context"
	"fmt"
)

// SheetRow is a case as a row of the staff's spreadsheet (the cases table
// as CSV): the row of the table, with the requester and the owner named
// and the working groups the case was routed to.
type SheetRow struct {
	CaseRow
	RequesterPerson Person
	OwnerPerson     Person   // zero when nobody owns the case
	Groups          []string // the groups' ids, in the order routed
}

// SheetPage is a page of the staff's spreadsheet.
type SheetPage struct {
	Rows        []SheetRow
	Total       int
	Page, Pages int
}

// CaseSheet reads a page of the cases table that l asks for, ExportPerPage
// rows at a time, as rows of a spreadsheet: for staff alone, as the other
// exports (rights.go). The cases are those the table shows the viewer.
func (s *Service) CaseSheet(ctx context.Context, v Viewer, l CaseList) (SheetPage, error) {
	if !isStaff(v.Member) {
		return SheetPage{}, refuse(NotYours, "web.error.staff_only")
	}
	l.PerPage = ExportPerPage
	cp, err := s.Cases(ctx, v, l)
	if err != nil {
		return SheetPage{}, err
	}
	out := SheetPage{Rows: make([]SheetRow, 0, len(cp.Rows)), Total: cp.Total, Page: cp.Page, Pages: cp.Pages}
	err = s.view(ctx, func(w *work) error {
		// The same few people file and own many cases: read each once.
		people := map[UserID]Person{}
		person := func(id UserID) Person {
			if id == "" {
				return Person{}
			}
			p, ok := people[id]
			if !ok {
				p = w.person(id)
				people[id] = p
			}
			return p
		}
		for _, c := range cp.Rows {
			r := SheetRow{CaseRow: c, RequesterPerson: person(c.Requester), OwnerPerson: person(c.Owner)}
			as, err := w.tx.Assignments(c.ID)
			if err != nil {
				return err
			}
			for _, a := range as {
				r.Groups = append(r.Groups, a.Group)
			}
			out.Rows = append(out.Rows, r)
		}
		return nil
	})
	if err != nil {
		return SheetPage{}, fmt.Errorf("cases sheet: %w", err)
	}
	return out, nil
}
