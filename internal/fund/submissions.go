package fund

import (
	"time"

	"github.com/fundflow/fundflow"
)

// Submission records that an application was submitted to the fund, so the
// fund can tell each new one about other live applications from the same
// organisation (one live application per organisation per fund).
type Submission struct {
	ApplicationID string    `json:"application_id"`
	OrgCode       string    `json:"org_code"`
	RegisteredAt  time.Time `json:"registered_at"`
	// Retired applications (withdrawn, ineligible, rejected, ended) stay
	// listed so a late retry cannot bring one back.
	Retired bool `json:"retired,omitempty"`
}

// CheckRegister reports whether RegisterSubmission would succeed, changing
// nothing.
func (l *Ledger) CheckRegister(app, org string) error {
	var v fundflow.Invalid
	required(&v, "application_id", app)
	required(&v, "org_code", org)
	if err := v.Err("the submission is invalid"); err != nil {
		return err
	}
	i := l.submissionIndex(app)
	switch {
	case i < 0:
		return nil
	case l.Submissions[i].OrgCode != org:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "application %s is registered for organisation %s", app, l.Submissions[i].OrgCode)
	case l.Submissions[i].Retired:
		return fundflow.Errorf(fundflow.EINVALIDSTATE, "application %s was retired and cannot be registered again", app)
	}
	return nil
}

// RegisterSubmission records a submitted application and returns the live
// applications from the same organisation registered before it, oldest
// first. Only earlier ones count: the first application stays eligible when
// a second arrives, and registering again returns the same answer (or a
// shorter one, if an earlier application has since been retired).
func (l *Ledger) RegisterSubmission(app, org string, at time.Time) ([]string, error) {
	if err := l.CheckRegister(app, org); err != nil {
		return nil, err
	}
	if l.submissionIndex(app) < 0 {
		l.Submissions = append(l.Submissions, Submission{ApplicationID: app, OrgCode: org, RegisteredAt: at.UTC()})
	}
	return l.EarlierLive(app), nil
}

// EarlierLive lists the live applications registered before app by the
// same organisation, oldest first; nil when app is not registered.
func (l *Ledger) EarlierLive(app string) []string {
	i := l.submissionIndex(app)
	if i < 0 {
		return nil
	}
	var earlier []string
	for _, s := range l.Submissions[:i] {
		if s.OrgCode == l.Submissions[i].OrgCode && !s.Retired {
			earlier = append(earlier, s.ApplicationID)
		}
	}
	return earlier
}

// CheckRetire reports whether Retire would succeed, changing nothing.
func (l *Ledger) CheckRetire(app string) error {
	if l.submissionIndex(app) < 0 {
		return fundflow.Errorf(fundflow.ENOTFOUND, "application %s is not registered with this fund", app)
	}
	return nil
}

// Retire marks a registered application as no longer live. Retiring twice
// is harmless; an unknown application is not_found.
func (l *Ledger) Retire(app string) error {
	if err := l.CheckRetire(app); err != nil {
		return err
	}
	l.Submissions[l.submissionIndex(app)].Retired = true
	return nil
}
