/*
 * replay.h - "cnauthz replay": judge recorded traffic against a rule set.
 *
 *   cnauthz replay --rules DIR [--diff OLD_DIR] FILE...
 *
 * Each line of FILE ("-": standard input) is dockerd's AuthZReq JSON, a
 * capture line ({"endpoint": ..., "body": AuthZReq}), or an audit record
 * (cnauthz's own log, without bodies: rules that need one deny). Prints
 * the decision for each and a summary; with --diff, only the requests
 * whose decision differs between OLD_DIR and DIR. This is how a change is
 * tested against last week's traffic.
 */
#ifndef CNZ_REPLAY_H
#define CNZ_REPLAY_H

int replay_main(int argc, char **argv);

#endif
