package money

// The ISO 4217 exponents, from the ISO 4217 list of active codes (table A.1,
// as published by SIX, the maintenance agency). Most currencies have two
// decimal places; the exceptions are listed with theirs.
var exceptionalMinorUnits = map[string]int{
	// No minor unit in use.
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0,
	"KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0,
	"XAF": 0, "XOF": 0, "XPF": 0,
	// Three decimal places.
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	// Four decimal places (units of account).
	"CLF": 4, "UYW": 4,
}

var twoDecimalCodes = map[string]struct{}{
	"AED": {}, "AFN": {}, "ALL": {}, "AMD": {}, "AOA": {}, "ARS": {}, "AUD": {},
	"AWG": {}, "AZN": {}, "BAM": {}, "BBD": {}, "BDT": {}, "BGN": {}, "BMD": {},
	"BND": {}, "BOB": {}, "BRL": {}, "BSD": {}, "BTN": {}, "BWP": {}, "BYN": {},
	"BZD": {}, "CAD": {}, "CDF": {}, "CHF": {}, "CNY": {}, "COP": {}, "CRC": {},
	"CUP": {}, "CVE": {}, "CZK": {}, "DKK": {}, "DOP": {}, "DZD": {}, "EGP": {},
	"ERN": {}, "ETB": {}, "EUR": {}, "FJD": {}, "FKP": {}, "GBP": {}, "GEL": {},
	"GHS": {}, "GIP": {}, "GMD": {}, "GTQ": {}, "GYD": {}, "HKD": {}, "HNL": {},
	"HTG": {}, "HUF": {}, "IDR": {}, "ILS": {}, "INR": {}, "IRR": {}, "JMD": {},
	"KES": {}, "KGS": {}, "KHR": {}, "KPW": {}, "KYD": {}, "KZT": {}, "LAK": {},
	"LBP": {}, "LKR": {}, "LRD": {}, "LSL": {}, "MAD": {}, "MDL": {}, "MGA": {},
	"MKD": {}, "MMK": {}, "MNT": {}, "MOP": {}, "MRU": {}, "MUR": {}, "MVR": {},
	"MWK": {}, "MXN": {}, "MYR": {}, "MZN": {}, "NAD": {}, "NGN": {}, "NIO": {},
	"NOK": {}, "NPR": {}, "NZD": {}, "PAB": {}, "PEN": {}, "PGK": {}, "PHP": {},
	"PKR": {}, "PLN": {}, "QAR": {}, "RON": {}, "RSD": {}, "RUB": {}, "SAR": {},
	"SBD": {}, "SCR": {}, "SDG": {}, "SEK": {}, "SGD": {}, "SHP": {}, "SLE": {},
	"SOS": {}, "SRD": {}, "SSP": {}, "STN": {}, "SVC": {}, "SYP": {}, "SZL": {},
	"THB": {}, "TJS": {}, "TMT": {}, "TOP": {}, "TRY": {}, "TTD": {}, "TWD": {},
	"TZS": {}, "UAH": {}, "USD": {}, "UYU": {}, "UZS": {}, "VES": {}, "WST": {},
	"XCD": {}, "YER": {}, "ZAR": {}, "ZMW": {}, "ZWG": {},
}
