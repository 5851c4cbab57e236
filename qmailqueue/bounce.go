package qmailqueue

import (
	"errors"
	"strconv"
)

// BounceReports reads the bounce report of m when it is bouncing
// ([Queue.ReadBounce]), adding to m.Problems what is wrong with the file:
// a bounce file refused as not a plain queue file gives no reports and a
// Refused problem, not an error; a file qmail-send consumed in the meantime
// gives no reports. A message that is not bouncing has none.
func (q *Queue) BounceReports(m *Message) ([]BounceReport, error) {
	if !m.Bouncing {
		return nil, nil
	}
	file := "bounce/" + strconv.FormatUint(m.ID, 10)
	reports, problems, err := q.ReadBounce(m.ID)
	if err != nil {
		var unsafe *UnsafeFileError
		if errors.As(err, &unsafe) {
			m.Problems = append(m.Problems, Problem{File: file, Msg: unsafe.Reason(), Refused: true})
			return nil, nil
		}
		return nil, err
	}
	for _, p := range problems {
		m.Problems = append(m.Problems, Problem{File: file, Msg: p})
	}
	return reports, nil
}
