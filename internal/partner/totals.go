package partner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/money"
)

// CheckTotals is the part of Check that needs no registry, for partners
// already normalised: none named twice or being the lead organisation,
// and the shares within what the bid asks for. The application workflow
// runs it again on every change, since the amount requested can move
// after the partners were set.
func CheckTotals(ps []Partner, leadOrg string, requestedPence int64) fundflow.Invalid {
	var v fundflow.Invalid
	if len(ps) > MaxPartners {
		v.Add("partners", "at most %d partners", MaxPartners)
	}
	lead := strings.ToUpper(strings.TrimSpace(leadOrg))
	for i, n := range ps {
		field := fmt.Sprintf("partners[%d]", i)
		switch {
		case n.Kind == NHSBody && n.ODSCode != "" && n.ODSCode == lead:
			v.Add(field+".ods_code", "the lead organisation is not its own partner")
		case n.Kind == NHSBody && n.ODSCode != "":
			if j := slices.IndexFunc(ps[:i], func(q Partner) bool { return q.Kind == NHSBody && q.ODSCode == n.ODSCode }); j >= 0 {
				v.Add(field+".ods_code", "%s is already a partner (%s)", n.ODSCode, ps[j].Name)
			}
		case n.Identifier != "":
			if j := slices.IndexFunc(ps[:i], func(q Partner) bool { return q.Kind == n.Kind && q.Identifier == n.Identifier }); j >= 0 {
				v.Add(field+".identifier", "%s %s is already a partner (%s)", n.IdentifierLabel(), n.Identifier, ps[j].Name)
			}
		}
		if n.SharePence < 0 || n.MatchPence < 0 || n.DeliveryPercent < 0 || n.DeliveryPercent > 100 {
			v.Add(field, "amounts and shares must not be negative, and a delivery share is at most 100%%")
		}
	}
	if len(v) > 0 {
		return v
	}
	share, _ := Totals(ps)
	if requestedPence > 0 && share > requestedPence {
		v.Add("partners", "partners' shares come to %s, more than the %s requested", money.Format(share), money.Format(requestedPence))
	}
	delivery := 0
	for _, p := range ps {
		delivery += p.DeliveryPercent
	}
	if delivery > 100 {
		v.Add("partners", "partners' shares of the delivery come to %d%%, more than 100%%", delivery)
	}
	return v
}
