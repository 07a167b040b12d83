//! zizmor's knowledge of expression contexts: which are attacker-controlled, which are fixed
//! by GitHub, and which expand to values that are safe to interpolate (numbers, booleans, SHAs).
