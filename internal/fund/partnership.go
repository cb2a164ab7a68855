package fund

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fundflow/fundflow"
)

// SignOff is whether a bid needs its organisation's certifier (the SRO,
// the chief finance officer, a section 151 officer or a deputy) to sign it
// off before it counts as submitted, and with what declaration.
type SignOff struct {
	Required bool `json:"required"`
	// Declaration is what the certifier declares by signing off, word
	// for word in the record; DefaultDeclaration when left out.
	Declaration string `json:"declaration,omitempty"`
	// RemindBefore are the working days before the fund closes on which
	// the lead and the certifiers are reminded of a bid still awaiting
	// sign-off; DefaultSignOffReminders when left out.
	RemindBefore []int `json:"remind_before,omitempty"`
}

// DefaultDeclaration is the declaration of a fund that sets none.
const DefaultDeclaration = "I am authorised to commit my organisation to this bid. I have read it in full, it is accurate, and my organisation will deliver it and any match funding it states if it is funded."

// DefaultSignOffReminders are the reminders of a fund that sets none: a
// working week before the close, and the working day before.
var DefaultSignOffReminders = []int{5, 1}

// Invitations say whom a bid's lead may invite as co-applicants.
type Invitations string

const (
	// InviteAnyone admits any work email.
	InviteAnyone Invitations = "anyone"
	// InviteLeadDomain admits only emails on the inviting lead's own
	// domain, for a fund that wants bids written inside one organisation.
	InviteLeadDomain Invitations = "lead_domain"
)

const (
	maxDeclarationLen = 2000
	maxReminders      = 5
	maxReminderDays   = 30
)

// Defaults fills in the declaration and reminders of a fund that requires
// sign-off without setting them.
func (s SignOff) Defaults() SignOff {
	if !s.Required {
		return s
	}
	if strings.TrimSpace(s.Declaration) == "" {
		s.Declaration = DefaultDeclaration
	}
	if len(s.RemindBefore) == 0 {
		s.RemindBefore = slices.Clone(DefaultSignOffReminders)
	}
	return s
}

func (d Definition) validatePartnership(v *fundflow.Invalid) {
	v.Text("sign_off.declaration", d.SignOff.Declaration, maxDeclarationLen, d.SignOff.Required)
	if len(d.SignOff.RemindBefore) > maxReminders {
		v.Add("sign_off.remind_before", "at most %d reminders", maxReminders)
	}
	for i, n := range d.SignOff.RemindBefore {
		if n < 1 || n > maxReminderDays {
			v.Add(fmt.Sprintf("sign_off.remind_before[%d]", i), "must be between 1 and %d working days", maxReminderDays)
		}
	}
	switch d.Invitations {
	case "", InviteAnyone, InviteLeadDomain:
	default:
		v.Add("invitations", "must be anyone or lead_domain")
	}
}
