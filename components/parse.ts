// Every parser of CLI and probe output lives here, each tested against recorded fixtures:
// hand-written one-liner parsers broke four times during the ruling (ss columns, mapped IPv6,
// greedy grep, wrong log location).
