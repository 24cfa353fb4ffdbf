package auth_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/auth"
	"github.com/loancore/loancore/internal/money"
)

// methods is a server's methods for these tests: two services.
var methods = []string{
	"loancore.v1.LoanService/GetLoan", "loancore.v1.LoanService/RecordRepayment", "loancore.v1.LoanService/WaiveAmounts",
	"loancore.v1.LoanService/WriteOffLoan", "loancore.v1.ScheduleService/QuoteSchedule",
}

const policyYAML = `
roles:
  viewer: [loancore.v1.LoanService/GetLoan, loancore.v1.ScheduleService/QuoteSchedule]
  servicer: [loancore.v1.LoanService/RecordRepayment, loancore.v1.LoanService/GetLoan]
  admin: ["loancore.v1.LoanService/*", "loancore.v1.ScheduleService/*"]
  nobody: []
certificates:
  "spiffe://bank.test/channel": [servicer]
on_behalf_of: [servicer]
four_eyes:
  - rpc: loancore.v1.LoanService/WaiveAmounts
    above: "1000"
    approvers: [admin]
  - rpc: loancore.v1.LoanService/WriteOffLoan
    approvers: [admin, servicer]
`

// TestPolicy: what each role may call, wildcards expanded, deny by
// default; the certificate roles, on-behalf-of roles and four-eyes rules.
func TestPolicy(t *testing.T) {
	p, err := auth.ParsePolicy([]byte(policyYAML), methods)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method string
		roles  []string
		want   bool
	}{
		{"/loancore.v1.LoanService/GetLoan", []string{"viewer"}, true},
		{"loancore.v1.LoanService/GetLoan", []string{"servicer"}, true},
		{"/loancore.v1.LoanService/RecordRepayment", []string{"viewer"}, false},
		{"/loancore.v1.LoanService/RecordRepayment", []string{"viewer", "servicer"}, true},
		{"/loancore.v1.LoanService/WriteOffLoan", []string{"admin"}, true},
		{"/loancore.v1.LoanService/WriteOffLoan", []string{"nobody", "stranger"}, false},
		{"/loancore.v1.LoanService/WriteOffLoan", nil, false},
		{"/loancore.v1.Unlisted/Call", []string{"admin"}, false},
	} {
		if got := p.Allows(tc.method, tc.roles); got != tc.want {
			t.Errorf("Allows(%s, %q) = %v", tc.method, tc.roles, got)
		}
	}
	if got := p.RolesAllowing("/loancore.v1.LoanService/RecordRepayment"); !slices.Equal(got, []string{"admin", "servicer"}) {
		t.Errorf("RolesAllowing(RecordRepayment) = %q", got)
	}
	if got := p.Roles(); !slices.Equal(got, []string{"admin", "nobody", "servicer", "viewer"}) {
		t.Errorf("Roles() = %q", got)
	}
	if got := p.CertificateRoles("spiffe://bank.test/channel"); !slices.Equal(got, []string{"servicer"}) || p.CertificateRoles("other") != nil {
		t.Errorf("CertificateRoles = %q", got)
	}
	if !p.MayActOnBehalf([]string{"viewer", "servicer"}) || p.MayActOnBehalf([]string{"admin"}) {
		t.Error("MayActOnBehalf: want servicer alone")
	}
	checkFourEyes(t, p)
}

// checkFourEyes checks the rules of policyYAML as the policy exposes them.
func checkFourEyes(t *testing.T, p *auth.Policy) {
	t.Helper()
	waive, ok := p.FourEyes("/loancore.v1.LoanService/WaiveAmounts")
	if !ok || waive.Above != "1000" || !slices.Equal(waive.Approvers, []string{"admin"}) {
		t.Errorf("WaiveAmounts rule %+v, %v", waive, ok)
	}
	writeOff, ok := p.FourEyes("loancore.v1.LoanService/WriteOffLoan")
	if !ok || writeOff.Above != "" || !slices.Equal(writeOff.Approvers, []string{"admin", "servicer"}) {
		t.Errorf("WriteOffLoan rule %+v, %v", writeOff, ok)
	}
	if _, ok := p.FourEyes("loancore.v1.LoanService/GetLoan"); ok {
		t.Error("GetLoan has a four-eyes rule")
	}
	cny, _ := money.LookupCurrency("CNY")
	jpy, _ := money.LookupCurrency("JPY")
	for _, tc := range []struct {
		total money.Amount
		c     money.Currency
		want  bool
	}{{100000, cny, false}, {100001, cny, true}, {1000, jpy, false}, {1001, jpy, true}} {
		if got := waive.Applies(tc.total, tc.c); got != tc.want {
			t.Errorf("above 1000: Applies(%d minor units of %s) = %v", tc.total, tc.c.Code, got)
		}
	}
	if !writeOff.Applies(0, cny) {
		t.Error("a rule without a threshold does not hold every call")
	}
	if !(auth.Rule{Above: "lots"}).Applies(0, cny) {
		t.Error("a rule whose threshold does not parse lets calls through")
	}
}

// TestPolicyRefused: a policy with anything unknown or ill-formed is
// refused at load, naming what.
func TestPolicyRefused(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"empty", "", "empty file"},
		{"no roles", "roles: {}", "no roles"},
		{"unknown section", "roles: {viewer: []}\ngrants: {}", "field grants not found"},
		{"unknown RPC", "roles: {viewer: [loancore.v1.LoanService/GetLoans]}", `unknown RPC "loancore.v1.LoanService/GetLoans"`},
		{"short RPC name", "roles: {viewer: [GetLoan]}", `unknown RPC "GetLoan"`},
		{"unknown service", "roles: {viewer: [loancore.v1.LoanServices/*]}", "unknown service"},
		{"bad wildcard", "roles: {viewer: [loancore.v1.LoanService/Get*]}", "unknown service"},
		{"global wildcard", `roles: {viewer: ["*"]}`, "unknown service"},
		{"bad role name", "roles: {Viewer: []}", `role "Viewer"`},
		{"certificate of an unknown role", "roles: {viewer: []}\ncertificates: {cn: [admin]}", `certificates: cn: unknown role "admin"`},
		{"on behalf of an unknown role", "roles: {viewer: []}\non_behalf_of: [channel]", `on_behalf_of: unknown role "channel"`},
		{"approver of an unknown role", "roles: {admin: [loancore.v1.LoanService/WriteOffLoan]}\nfour_eyes: [{rpc: loancore.v1.LoanService/WriteOffLoan, approvers: [checker]}]",
			`four_eyes[0]: approvers: unknown role "checker"`},
		{"no approvers", "roles: {admin: [loancore.v1.LoanService/WriteOffLoan]}\nfour_eyes: [{rpc: loancore.v1.LoanService/WriteOffLoan}]", "no approvers"},
		{"four eyes on an unknown RPC", "roles: {admin: []}\nfour_eyes: [{rpc: loancore.v1.LoanService/Nope, approvers: [admin]}]", "is not a method any role may call"},
		{"four eyes on a wildcard", `roles: {admin: ["loancore.v1.LoanService/*"]}` + "\nfour_eyes: [{rpc: \"loancore.v1.LoanService/*\", approvers: [admin]}]", "is not a method"},
		{"bad threshold", "roles: {admin: [loancore.v1.LoanService/WaiveAmounts]}\nfour_eyes: [{rpc: loancore.v1.LoanService/WaiveAmounts, above: 1e3, approvers: [admin]}]", "plain decimal"},
		{"negative threshold", "roles: {admin: [loancore.v1.LoanService/WaiveAmounts]}\nfour_eyes: [{rpc: loancore.v1.LoanService/WaiveAmounts, above: \"-1\", approvers: [admin]}]", "plain decimal"},
		{"two rules for one RPC", "roles: {admin: [loancore.v1.LoanService/WaiveAmounts]}\nfour_eyes: [{rpc: loancore.v1.LoanService/WaiveAmounts, approvers: [admin]}, {rpc: loancore.v1.LoanService/WaiveAmounts, approvers: [admin]}]", "a second rule"},
		{"not YAML", "roles: [", "policy: "},
	} {
		if _, err := auth.ParsePolicy([]byte(tc.yaml), methods); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// TestDefaultPolicyNeedsItsMethods: the built-in policy names real RPCs,
// so against a server without them it does not load (the grpcapi tests
// load it against every RPC loancore serves).
func TestDefaultPolicyNeedsItsMethods(t *testing.T) {
	if _, err := auth.DefaultPolicy(methods); err == nil || !strings.Contains(err.Error(), "built-in policy: ") {
		t.Errorf("the default policy loaded against five methods: %v", err)
	}
	if !strings.Contains(string(auth.DefaultPolicyYAML()), "four_eyes:") {
		t.Error("DefaultPolicyYAML is not the policy")
	}
}
