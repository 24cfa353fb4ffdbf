package auth

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Policy says what each role may call, which roles a client certificate
// carries, which roles may act on behalf of end users, and which calls
// need a second person (four-eyes). It is deny by default: a method no
// role names is allowed to nobody. A Policy is read-only once loaded and
// safe for concurrent use.
type Policy struct {
	// allow maps a full method ("loancore.v1.LoanService/GetLoan") to the
	// roles allowed to call it, with service wildcards expanded at load.
	allow    map[string]map[string]bool
	roles    []string
	certs    map[string][]string
	onBehalf []string
	fourEyes map[string]Rule
}

// policyFile is the policy file's format (YAML); see docs/operations.md.
type policyFile struct {
	// Roles maps a role to the RPCs it may call: full method names
	// ("loancore.v1.LoanService/GetLoan") or a service's wildcard
	// ("loancore.v1.LoanService/*").
	Roles map[string][]string `yaml:"roles"`
	// Certificates maps a client certificate's subject (its first URI
	// SAN, else its CN) to its roles.
	Certificates map[string][]string `yaml:"certificates"`
	// OnBehalfOf lists the roles that may name an end user in
	// x-on-behalf-of.
	OnBehalfOf []string   `yaml:"on_behalf_of"`
	FourEyes   []ruleFile `yaml:"four_eyes"`
}

// ruleFile is one four_eyes entry of a policy file.
type ruleFile struct {
	RPC       string   `yaml:"rpc"`
	Above     string   `yaml:"above"`
	Approvers []string `yaml:"approvers"`
}

//go:embed default_policy.yaml
var defaultPolicy []byte

// DefaultPolicyYAML is the built-in policy, used when no policy file is
// given; docs/operations.md shows it in full.
func DefaultPolicyYAML() []byte { return bytes.Clone(defaultPolicy) }

// DefaultPolicy parses the built-in policy against methods, the full
// method names the server serves.
func DefaultPolicy(methods []string) (*Policy, error) {
	p, err := ParsePolicy(defaultPolicy, methods)
	if err != nil {
		return nil, fmt.Errorf("built-in policy: %w", err)
	}
	return p, nil
}

// roleName is what a role may be called: short, lower case, no spaces, so
// that it reads the same in a token's claim, a keys file and a log line.
var roleName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// ParsePolicy reads a policy file (YAML) and checks it against methods,
// the full method names ("loancore.v1.LoanService/GetLoan") the server
// serves: an unknown key, RPC, service or role anywhere is an error, so a
// typo cannot silently grant or withhold a right.
func ParsePolicy(data []byte, methods []string) (*Policy, error) {
	var f policyFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("policy: empty file")
		}
		return nil, fmt.Errorf("policy: %w", err)
	}
	p := &Policy{allow: map[string]map[string]bool{}, certs: map[string][]string{}, fourEyes: map[string]Rule{}}
	if err := p.readRoles(f.Roles, methods); err != nil {
		return nil, err
	}
	if err := p.readCertificates(f.Certificates); err != nil {
		return nil, err
	}
	if err := p.checkRoles("on_behalf_of", f.OnBehalfOf); err != nil {
		return nil, err
	}
	p.onBehalf = sortedUnique(f.OnBehalfOf)
	if err := p.readFourEyes(f.FourEyes); err != nil {
		return nil, err
	}
	return p, nil
}

// readRoles fills allow from the roles section, expanding each service
// wildcard into the service's methods.
func (p *Policy) readRoles(roles map[string][]string, methods []string) error {
	if len(roles) == 0 {
		return errors.New("policy: no roles")
	}
	known := map[string]bool{}
	services := map[string]bool{}
	for _, m := range methods {
		known[m] = true
		services[m[:strings.LastIndexByte(m, '/')+1]] = true
	}
	for role, rpcs := range roles {
		if !roleName.MatchString(role) {
			return fmt.Errorf("policy: role %q: want lower case letters, digits, - and _", role)
		}
		p.roles = append(p.roles, role)
		for _, rpc := range rpcs {
			matched, err := expand(rpc, methods, known, services)
			if err != nil {
				return fmt.Errorf("policy: role %s: %w", role, err)
			}
			for _, m := range matched {
				if p.allow[m] == nil {
					p.allow[m] = map[string]bool{}
				}
				p.allow[m][role] = true
			}
		}
	}
	slices.Sort(p.roles)
	return nil
}

// expand returns the methods an RPC entry of a role names: itself, or
// every method of a service for "Service/*".
func expand(rpc string, methods []string, known, services map[string]bool) ([]string, error) {
	if service, ok := strings.CutSuffix(rpc, "*"); ok {
		if !strings.HasSuffix(service, "/") || !services[service] {
			return nil, fmt.Errorf("unknown service in %q (a wildcard is a whole service: loancore.v1.LoanService/*)", rpc)
		}
		var out []string
		for _, m := range methods {
			if strings.HasPrefix(m, service) {
				out = append(out, m)
			}
		}
		return out, nil
	}
	if !known[rpc] {
		return nil, fmt.Errorf("unknown RPC %q (want a full method name such as loancore.v1.LoanService/GetLoan)", rpc)
	}
	return []string{rpc}, nil
}

// readCertificates reads the certificate subjects and their roles.
func (p *Policy) readCertificates(certs map[string][]string) error {
	for subject, roles := range certs {
		if subject == "" {
			return errors.New("policy: certificates: empty subject")
		}
		if err := p.checkRoles("certificates: "+subject, roles); err != nil {
			return err
		}
		p.certs[subject] = sortedUnique(roles)
	}
	return nil
}

// checkRoles refuses an empty role list or a role the roles section does
// not define, in the section where.
func (p *Policy) checkRoles(where string, roles []string) error {
	for _, r := range roles {
		if _, ok := slices.BinarySearch(p.roles, r); !ok {
			return fmt.Errorf("policy: %s: unknown role %q", where, r)
		}
	}
	return nil
}

// Allows reports whether any of roles may call method, a full method name
// with or without its leading slash.
func (p *Policy) Allows(method string, roles []string) bool {
	allowed := p.allow[strings.TrimPrefix(method, "/")]
	for _, r := range roles {
		if allowed[r] {
			return true
		}
	}
	return false
}

// RolesAllowing returns the roles that may call method, sorted, for a
// refusal to name; none for a method the policy does not name.
func (p *Policy) RolesAllowing(method string) []string {
	var out []string
	for r := range p.allow[strings.TrimPrefix(method, "/")] {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// Roles returns every role the policy defines, sorted: what a dev-mode
// caller holds.
func (p *Policy) Roles() []string { return slices.Clone(p.roles) }

// CertificateRoles returns the roles of a client certificate's subject;
// none for a subject the policy does not name.
func (p *Policy) CertificateRoles(subject string) []string { return slices.Clone(p.certs[subject]) }

// MayActOnBehalf reports whether any of roles may name an end user in
// x-on-behalf-of.
func (p *Policy) MayActOnBehalf(roles []string) bool {
	return slices.ContainsFunc(roles, func(r string) bool { _, ok := slices.BinarySearch(p.onBehalf, r); return ok })
}

// OnBehalfRoles returns the roles that may act on behalf of end users,
// sorted, for a refusal to name.
func (p *Policy) OnBehalfRoles() []string { return slices.Clone(p.onBehalf) }

// sortedUnique returns s sorted, without repeats.
func sortedUnique(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
