/*
 * The help table: every weft command with its synopsis, what it does and
 * one sentence per option. main.c prints an entry for "weft help CMD",
 * "weft CMD --help" and "weft CMD -h", and the summaries for "weft help";
 * bash completion (contrib/bash-completion/weft) reads the same output,
 * so options are listed once, here. tests/integration/t-cli-help.sh
 * checks that every command has an entry and that every option a
 * cmd_*.c accepts appears in it.
 *
 * Entries for commands that other branches are adding (config, invite,
 * forget, disconnect, stop) are here already; "weft help" lists only the
 * commands main.c's table has.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "weft/record.h"

#include "help.h"

#define HELP_WIDTH	79
#define OPT_COLUMN	24

static const struct weft_help table[] = {
	{ "help", "weft help [COMMAND]",
	    "list the commands, or explain one",
	    "Without a command, lists the commands; with one, prints its "
	    "usage and explains each of its options, as 'weft COMMAND "
	    "--help' does.",
	    { { NULL, NULL } } },
	{ "init",
	    "weft init [--network-key HEX | --new-network [--address "
	    "HOST:PORT]]\n"
	    "weft init --join INVITE",
	    "create the home, keys and config",
	    "Creates the home directory (mode 0700) with an author key and a "
	    "node key (mode 0600) and a config file naming the network key "
	    "(the public network's unless told otherwise). Existing keys are "
	    "kept, so an author key copied from another device publishes as "
	    "the same author. Restart weftd after changing the network key.",
	    { { "--network-key HEX", "Join the private network with this "
		"32-byte key, given as 64 hex digits." },
	      { "--new-network", "Create a new private network with a "
		"random key and print a one-line invite for the nodes that "
		"may join." },
	      { "--address HOST:PORT", "With --new-network: the address "
		"others dial to reach this node, put into the invite." },
	      { "--join INVITE", "Set up this node from an invite printed "
		"by 'weft init --new-network' (network key and a seed)." },
	      { NULL, NULL } } },
	{ "id", "weft id",
	    "print the author and node ids",
	    "Prints the author id (the key that signs what you publish) and "
	    "the node id (the key that identifies this daemon to peers), "
	    "read from the key files; no daemon needed.",
	    { { NULL, NULL } } },
	{ "status", "weft status",
	    "show daemon status",
	    "Shows the daemon's version, home, ids, the address peers can "
	    "dial, the network key id, counts of records, designs, "
	    "libraries and chunks, store use, connected peers and what is "
	    "still missing.",
	    { { NULL, NULL } } },
	{ "publish",
	    "weft publish [--title T] [--description D] [--license SPDX] "
	    "[--tag T]... [--exclude PATTERN]... [--dry-run] [--yes] PATH...",
	    "publish files as a new design",
	    "Publishes files as a new design signed by your author key. A "
	    "file PATH contributes its name, a directory every regular file "
	    "below it (symbolic links inside are skipped). Inside a "
	    "directory, dotfiles (.git/, .DS_Store, .env...), editor backups "
	    "(name~, #name#) and Thumbs.db are skipped, and so is whatever "
	    "its .weftignore excludes (gitignore syntax; a '!' rule can "
	    "bring a skipped name back, but never .git, .hg, .svn or .bzr). "
	    "More than 200 files, or a name that looks like a key or "
	    "credentials, need a confirmation on a terminal or --yes. "
	    "Prints the id of the new design.",
	    { { "-t, --title T", "The design's title; default: the name of the "
		"first PATH without its extension." },
	      { "-d, --description D", "A longer description, shown by 'weft "
		"show' and searched by 'weft search'." },
	      { "-l, --license SPDX", "An SPDX license id such as CC-BY-4.0 or "
		"MIT (any case), or all-rights-reserved; default: "
		"NOASSERTION (no license stated), with a warning." },
	      { "-T, --tag T", "A tag to find the design by, without spaces; "
		"repeat for several (at most 32)." },
	      { "-x, --exclude PATTERN", "Also skip what this gitignore "
		"pattern matches, after .weftignore; repeat for several." },
	      { "-n, --dry-run", "Print the files that would be published, "
		"their total size and what was skipped; publish nothing." },
	      { "-y, --yes", "Publish more than 200 files, secret-looking "
		"names or a copy of one of your designs without asking." },
	      { NULL, NULL } } },
	{ "update",
	    "weft update DESIGN [--message M] [--remix-of DESIGN]... "
	    "[--title T] [--description D] [--license SPDX] [--tag T]... "
	    "[--exclude PATTERN]... [--dry-run] [--yes] [PATH...]",
	    "publish a new revision of a design",
	    "Publishes a new revision of one of your designs with the given "
	    "files (collected and checked as for publish). Metadata not given "
	    "is kept from the newest revision, and so are the designs it "
	    "remixes. Without PATH the new revision keeps the newest "
	    "revision's files and changes only the metadata given. A remix's "
	    "license must be one its parents allow (docs/licenses.md).",
	    { { "-m, --message M", "What changed, shown by 'weft log'." },
	      { "-R, --remix-of DESIGN", "Also a remix of DESIGN's newest "
		"revision; repeat for several." },
	      { "-t, --title T", "A new title." },
	      { "-d, --description D", "A new description." },
	      { "-l, --license SPDX", "A new SPDX license id." },
	      { "-T, --tag T", "The new tags, replacing the old ones; "
		"repeat for several." },
	      { "-x, --exclude PATTERN", "As for publish." },
	      { "-n, --dry-run", "As for publish." },
	      { "-y, --yes", "As for publish." },
	      { NULL, NULL } } },
	{ "fork",
	    "weft fork DESIGN [--also DESIGN]... [--title T] [--license L]",
	    "remix a design into a new one",
	    "Creates a new design by you, remixed from the newest revision "
	    "of DESIGN (and of each --also DESIGN); it shares the first "
	    "source's files, so nothing is copied. The license must be one "
	    "every source allows (docs/licenses.md): a source that allows "
	    "no derivatives, or reserves all rights, needs its author's "
	    "grant.",
	    { { "-a, --also DESIGN", "Another design this one remixes; "
		"repeat for several." },
	      { "-t, --title T", "The new design's title; default: the "
		"source's." },
	      { "-l, --license L", "The new design's license; default: the "
		"least restrictive license every source allows." },
	      { NULL, NULL } } },
	{ "grant", "weft grant DESIGN --to AUTHOR|--anyone [--license L]",
	    "let others remix one of your designs",
	    "Signs a grant that lets one author, or anyone, remix DESIGN "
	    "even where its license would not allow it. The grant "
	    "replicates with the design.",
	    { { "--to AUTHOR", "The author (a key prefix of 8 or more hex "
		"digits) who may remix." },
	      { "--anyone", "Anyone may remix." },
	      { "-l, --license L", "The license the remix may carry; "
		"default: any the remixer chooses." },
	      { NULL, NULL } } },
	{ "retract", "weft retract ID [--reason TEXT]",
	    "take back a design, comment or other record",
	    "Signs a retraction of ID: a design (all its revisions), one "
	    "revision, or a comment, make, reaction, profile or grant of "
	    "yours, or an entry of a library you maintain. Every node that "
	    "receives it stops listing and serving it, deletes its files "
	    "unless another design uses them, and refuses it ever after; "
	    "looking the id up says \"retracted\" with the reason (exit 3). "
	    "Copies others already downloaded are theirs: a retraction "
	    "cannot reach into them.",
	    { { "-r, --reason TEXT", "Why, shown where the id is looked up "
		"(at most 1024 bytes)." },
	      { NULL, NULL } } },
	{ "credits", "weft credits DESIGN [--rev R] [--format text|md|json]",
	    "list whom a design owes credit",
	    "Prints the attribution chain of a design: for it and every "
	    "design it was remixed from, however far back, the title, author "
	    "(key prefix), source (weft:DESIGN@REVISION), license and the "
	    "change notes of each remix, in the TASL form Creative Commons "
	    "asks for. weft get writes the same as CREDITS.md.",
	    { { "-r, --rev R", "Credits of this revision instead of the "
		"newest." },
	      { "--format F", "Text (default), md (Markdown, as CREDITS.md) "
		"or json." },
	      { NULL, NULL } } },
	{ "seeds", "weft seeds DESIGN [--rev R]",
	    "show which nodes hold a design's files",
	    "Lists the nodes whose seed receipts say they hold every file of "
	    "the newest revision of DESIGN (or of R) complete, and when each "
	    "last confirmed it; so that a publisher knows when it is safe to "
	    "switch its own node off. Receipts expire: a node that stops "
	    "confirming drops off the list. -q prints the number of other "
	    "nodes only.",
	    { { "-r, --rev R", "Seeds of this revision instead of the "
		"newest." },
	      { NULL, NULL } } },
	{ "grants", "weft grants DESIGN",
	    "list the grants of a design",
	    "Lists the grants stored for DESIGN: who signed them, to whom, "
	    "and under which license. Grants not signed by the design's "
	    "author count for nothing and are marked so.",
	    { { NULL, NULL } } },
	{ "show", "weft show ID [--raw] [--thumbnail FILE]",
	    "show and verify a record",
	    "Prints a record (revision, library or library entry) with every "
	    "field, after checking its signature and id; exits 5 if they do "
	    "not verify. For a revision with mesh files (STL, OBJ, 3MF) it "
	    "also prints their facts as the author's node computed them at "
	    "publish (size, principal extents, triangles, area, volume or "
	    "why the mesh is open), and notes when an earlier design by "
	    "someone has identical geometry (a remix of it is not flagged).",
	    { { "--raw", "Write the exact signed bytes instead, for other "
		"tools to verify." },
	      { "--thumbnail FILE", "Write the design's thumbnail (a PNG "
		"made at publish) to FILE." },
	      { NULL, NULL } } },
	{ "similar", "weft similar DESIGN [--min-score PERCENT] [--limit N]",
	    "designs with identical or similar geometry",
	    "Lists the designs whose meshes have identical geometry to "
	    "DESIGN's (the same shape moved, rotated, scaled or saved in "
	    "another format) or similar geometry (D2 shape distributions), "
	    "identical first, then by score, each with its author and when "
	    "it was first published. Direct remixes are said to be remixes, "
	    "not re-uploads. The similar part is approximate "
	    "(docs/proto/geom.md); identical is exact.",
	    { { "--min-score P", "Similar designs scoring at least P "
		"percent (default 85)." },
	      { "--limit N", "At most N designs (default 50)." },
	      { NULL, NULL } } },
	{ "log", "weft log DESIGN",
	    "list the revisions of a design",
	    "Lists the revisions of a design, newest first, each verified "
	    "first; current heads are marked. Under each revision, the files "
	    "it added (A), deleted (D), modified (M) or renamed (R), up to "
	    "10; 'weft diff' shows them all.",
	    { { NULL, NULL } } },
	{ "diff", "weft diff DESIGN [FROM [TO]]",
	    "show the file changes between revisions",
	    "Lists the files added (A), deleted (D), modified (M) and renamed "
	    "(R) between two revisions of DESIGN: with no revision, from the "
	    "one the head was made from to the head; with FROM, from FROM to "
	    "the head; with both, from FROM to TO. Revisions may be given as "
	    "unique prefixes of 8 or more hex digits.",
	    { { NULL, NULL } } },
	{ "tree", "weft tree DESIGN",
	    "show a design's remix family",
	    "Shows the designs DESIGN was remixed from (above it) and those "
	    "remixed from it (below it), indented by depth.",
	    { { NULL, NULL } } },
	{ "ls", "weft ls [FILTERS] [--sort oldest|recent|likes|makes|remixes] "
	    "[--limit N] [--page N] [--all]",
	    "list designs",
	    "Lists the designs this node knows, oldest first: short id, date "
	    "of the newest revision, number of revisions and title. On a "
	    "terminal it shows 20 and says how many more there are; piped, "
	    "it lists every design unless --limit or --page asks for a page. "
	    "The author's name follows the title, then the counts above 0: "
	    "likes (L), comments (C), makes (M) and remixes (R). "
	    "A design whose license its parents do not allow is marked "
	    "[license conflict].",
	    {
	      { "-a, --author A", "Only designs by this author (a key "
		"prefix of 8 or more hex digits)." },
	      { "-t, --tag T", "Only designs with this tag." },
	      { "--license L", "Only designs under license L (an SPDX "
		"id), or in the class L: remixable, commercial-ok, "
		"share-alike or no-derivatives (docs/licenses.md)." },
	      { "--remixable", "Only designs whose license lets anyone "
		"remix them." },
	      { "--commercial-ok", "Only designs whose license allows "
		"commercial use." },
	      { "--type EXT", "Only designs with a file of this type "
		"(stl, 3mf, scad, svg, step, ...)." },
	      { "--library LIB", "Only designs this library holds." },
	      { "--remix-of DESIGN", "Only direct remixes of DESIGN." },
	      { "--since DATE", "Only designs created on or after DATE "
		"(YYYY-MM-DD, UTC)." },
	      { "--until DATE", "Only designs created on or before DATE." },
	      { "--sort S", "Order: oldest (default), recent (newest "
		"first), or likes, makes or remixes (most first)." },
	      { "--limit N", "At most N designs (default 20 on a terminal)." },
	      { "--page N", "The Nth page of --limit designs." },
	      { "--fits XxYxZ", "Only designs whose every mesh fits a "
		"box of this size in mm (220x220x250) in some orientation "
		"(their principal extents; docs/proto/geom.md)." },
	      { "--max-volume V", "Only designs whose meshes are all closed "
		"and hold at most V mm^3 together (or 50cm3)." },
	      { "--min-size L", "Only designs whose largest mesh extent is "
		"at least L mm." },
	      { "--triangles N", "Only designs with at most N triangles "
		"(or MIN-MAX, MIN-)." },
	      { "--all", "Every design, also on a terminal." },
	      { NULL, NULL } } },
	{ "search", "weft search [FILTERS] "
	    "[--sort relevance|recent|likes|makes|remixes] "
	    "[--limit N] [--page N] [--all] QUERY...",
	    "search designs by words",
	    "Lists the designs whose newest revision has every word of the "
	    "query in its title, tags, file names or description (the last "
	    "word may be a prefix), best first. Case and accents do not "
	    "matter. Filters and pages as for ls. With only geometry "
	    "filters and no words, it lists the designs that pass them, "
	    "smallest first.",
	    {
	      { "-a, --author A", "Only designs by this author (a key "
		"prefix of 8 or more hex digits)." },
	      { "-t, --tag T", "Only designs with this tag." },
	      { "--license L", "Only designs under license L (an SPDX "
		"id), or in the class L: remixable, commercial-ok, "
		"share-alike or no-derivatives (docs/licenses.md)." },
	      { "--remixable", "Only designs whose license lets anyone "
		"remix them." },
	      { "--commercial-ok", "Only designs whose license allows "
		"commercial use." },
	      { "--type EXT", "Only designs with a file of this type "
		"(stl, 3mf, scad, svg, step, ...)." },
	      { "--library LIB", "Only designs this library holds." },
	      { "--remix-of DESIGN", "Only direct remixes of DESIGN." },
	      { "--since DATE", "Only designs created on or after DATE "
		"(YYYY-MM-DD, UTC)." },
	      { "--until DATE", "Only designs created on or before DATE." },
	      { "--sort S", "Order: relevance (default), recent, or "
		"likes, makes or remixes (most first)." },
	      { "--limit N", "At most N designs (default 20 on a terminal)." },
	      { "--page N", "The Nth page of --limit designs." },
	      { "--fits XxYxZ", "Only designs whose every mesh fits a "
		"box of this size in mm (220x220x250) in some orientation "
		"(their principal extents; docs/proto/geom.md)." },
	      { "--max-volume V", "Only designs whose meshes are all closed "
		"and hold at most V mm^3 together (or 50cm3)." },
	      { "--min-size L", "Only designs whose largest mesh extent is "
		"at least L mm." },
	      { "--triangles N", "Only designs with at most N triangles "
		"(or MIN-MAX, MIN-)." },
	      { "--all", "Every match, also on a terminal." },
	      { NULL, NULL } } },
	{ "get",
	    "weft get DESIGN|LIB [-o DIR] [--rev REV] [--force] "
	    "[--timeout SEC] [--no-credits] [--once]",
	    "fetch a design's files, or a whole library's",
	    "Fetches the files of a design's newest revision into a "
	    "directory, from peers if this node lacks them, and checks every "
	    "file's hash before moving it into place. Given a library, "
	    "fetches every design it holds, each into its own folder of DIR "
	    "(default: a name made from the library's) named after its "
	    "title.",
	    { { "-o, --output DIR", "Write into DIR (created if needed); "
		"default: a name made from the title." },
	      { "-r, --rev REV", "Fetch this revision instead of the newest." },
	      { "-f, --force", "Replace files that exist in DIR already." },
	      { "-t, --timeout SEC", "Give up when nothing arrives from peers "
		"for SEC seconds (default 60)." },
	      { "--no-credits", "Do not write CREDITS.md (the attribution "
		"chain, as 'weft credits --format md' prints it) beside the "
		"files." },
	      { "--once", "Do not keep the files in the store afterwards: "
		"files this node did not keep before are no longer wanted "
		"once written, and the next gc frees them (an interrupted get "
		"keeps them, so that a rerun resumes)." },
	      { NULL, NULL } } },
	{ "library",
	    "weft library create NAME [--description D]\n"
	    "weft library add LIB DESIGN\n"
	    "weft library remove LIB DESIGN\n"
	    "weft library ls [LIB] [--search TEXT]\n"
	    "weft library maintainers LIB [add|rm AUTHOR]",
	    "create, add to, remove from, list libraries",
	    "A library is a collection of designs kept by its maintainers. "
	    "create makes one with you as maintainer; add and remove change "
	    "what it holds (maintainers only); ls LIB lists its designs, and "
	    "ls alone the libraries this node knows of (held or heard of), "
	    "with how many designs each holds. maintainers LIB lists who "
	    "keeps the library (key and profile name); add AUTHOR and rm "
	    "AUTHOR (an author id or a prefix of 8 or more hex digits; not "
	    "a node id) sign a change, maintainers only; the last "
	    "maintainer cannot be removed. Entries a removed maintainer "
	    "signs after the removal do not count; those from before "
	    "stay.",
	    { { "-d, --description D", "With create: what the library "
		"collects." },
	      { "-s, --search TEXT", "With ls and no LIB: only the libraries "
		"whose name or description contains TEXT (letters compared "
		"without case)." },
	      { NULL, NULL } } },
	{ "verify", "weft verify",
	    "re-check stored records and chunks",
	    "Asks the daemon to re-check the signature and id of every "
	    "stored record and the hash of every chunk; exits 5 if anything "
	    "is bad.",
	    { { NULL, NULL } } },
	{ "gc", "weft gc [--dry-run]",
	    "delete stored chunks nothing keeps",
	    "Deletes the chunks no kept file refers to: kept are your own "
	    "designs, what you follow, mirror or got (pins), what is being "
	    "fetched, and chunks of a publish under way (for an hour). "
	    "Prints how many chunks and bytes went. Only this node changes.",
	    { { "-n, --dry-run", "Count what gc would free, delete nothing; "
		"'weft status' then shows it as reclaimable." },
	      { NULL, NULL } } },
	{ "rm", "weft rm [--records] DESIGN",
	    "remove a design's files from this node",
	    "Stops keeping and fetching the design's files and deletes those "
	    "no other kept design shares, even for your own design. Its "
	    "records stay, and peers keep their copies; 'weft get' brings "
	    "the files back.",
	    { { "--records", "Delete the design's records here too and never "
		"fetch them again: lookups then say it was removed here "
		"(no undo)." },
	      { NULL, NULL } } },
	{ "unwant", "weft unwant DESIGN",
	    "stop keeping a design's files",
	    "Stops keeping and fetching the design's files (as got with "
	    "'weft get' or wanted by a policy); 'weft gc' then frees what "
	    "nothing else keeps.",
	    { { NULL, NULL } } },
	{ "du", "weft du [--by design|author|library|policy]",
	    "show what the store holds",
	    "Sums the bytes of the kept files this node holds (your own "
	    "designs, and what is followed, mirrored, got or being fetched) "
	    "per design, author, library or keeping policy, largest first, "
	    "and in all. A chunk two files share counts for both.",
	    { { "-b, --by WHAT", "Group by design (the default), author, "
		"library (a design in several counts in each) or policy (own, "
		"follow, mirror-all, mirror, pin: the first that keeps it)." },
	      { NULL, NULL } } },
	{ "geom", "weft geom [--thumbnail OUT.png] [--size N] FILE...",
	    "print the facts and fingerprints of mesh files",
	    "Reads STL (binary or ASCII), OBJ and 3MF files and prints, for "
	    "each, its triangle count, size as authored and in its principal "
	    "frame (mm), surface area, volume (only for a closed, "
	    "consistently wound mesh; otherwise why not), and its geometry "
	    "key: the same shape moved, rotated, scaled or saved in another "
	    "format has the same key. No daemon needed. A file that cannot "
	    "be read is reported with why, and the exit code is 1.",
	    { { "--thumbnail OUT.png", "Write a PNG of the (one) FILE: a "
		"3MF's embedded thumbnail if it has one, else a rendering." },
	      { "--size N", "The rendered thumbnail's width and height in "
		"pixels, 16 to 1024 (default 256)." },
	      { NULL, NULL } } },
	{ "peers", "weft peers [--known]",
	    "list peer connections",
	    "Lists the peers the daemon is connected to or dialling: node "
	    "id, direction, state, address and traffic.",
	    { { "--known", "List the address book instead: every known "
		"peer address, whether a handshake verified it, where it "
		"came from (config, connect, seed, lan, learnt), when it was "
		"last seen and how often dialling it failed." },
	      { NULL, NULL } } },
	{ "connect", "weft connect [--timeout SEC] NODEID@HOST:PORT",
	    "connect to a peer NODEID@HOST:PORT",
	    "Asks the daemon to dial a peer (and keep redialling it), then "
	    "waits until the connection is open (exit 0) or the first "
	    "attempt failed (exit 1, with the reason).",
	    { { "-t, --timeout SEC", "Wait at most SEC seconds for the "
		"connection." },
	      { NULL, NULL } } },
	{ "disconnect", "weft disconnect NODEID",
	    "close a peer connection",
	    "Closes the connection to a peer and stops redialling it until "
	    "the daemon restarts or 'weft connect' names it again. NODEID "
	    "may be a unique prefix of 8 or more hex digits; exit 3 if the "
	    "node is neither connected nor dialled.",
	    { { NULL, NULL } } },
	{ "forget", "weft forget NODEID",
	    "remove a peer from the address book",
	    "Removes a node's addresses from the address book and stops "
	    "dialling it, so the daemon no longer dials it after a restart "
	    "either (a 'peer' line in the config still names it). NODEID "
	    "may be a unique prefix of 8 or more hex digits; exit 3 if it "
	    "is unknown.",
	    { { NULL, NULL } } },
	{ "invite", "weft invite [--address HOST:PORT]...",
	    "print an invite for a new node",
	    "Prints a one-line invite (this network's key and this node's "
	    "addresses) for 'weft init --join' on a new node. The "
	    "addresses are the config's 'address' lines, else its "
	    "'listen' address.",
	    { { "--address HOST:PORT", "Name this address in the invite "
		"instead (repeatable, at most 4): where the new node can "
		"reach this one." },
	      { NULL, NULL } } },
	{ "follow", "weft follow [AUTHOR]",
	    "keep an author's files, or list whom you follow",
	    "Keeps the files of every design by AUTHOR, fetching what is "
	    "missing in the background. Without AUTHOR, lists the authors "
	    "followed, each with its designs held / known and bytes held / "
	    "wanted.",
	    { { NULL, NULL } } },
	{ "unfollow", "weft unfollow AUTHOR",
	    "stop keeping an author's files",
	    "Stops keeping AUTHOR's files (records are kept anyway). An "
	    "author not followed is 'not found' (exit 3).",
	    { { NULL, NULL } } },
	{ "block", "weft block AUTHOR|DESIGN|NODE [--author|--design|--node] "
	    "[--reason R]",
	    "refuse an author, a design or a node",
	    "Blocks at once, on this node only: a blocked author's or "
	    "design's records are refused by ingest (so never stored or "
	    "forwarded) and left out of ls and search; a blocked node is "
	    "refused after its handshake and dropped if connected. The "
	    "argument is a record id (its design), an author key prefix, or "
	    "a whole 64-hex key (a node's if this node knows that node).",
	    { { "--author, --design, --node", "Say what the id names." },
	      { "-r, --reason R", "Why, for 'weft blocks' (one line)." },
	      { NULL, NULL } } },
	{ "unblock", "weft unblock ID",
	    "lift a block",
	    "Lifts the block of ID (a prefix of 8 or more hex digits of a "
	    "blocked key). Records refused meanwhile come back when a peer "
	    "offers them again.",
	    { { NULL, NULL } } },
	{ "blocks", "weft blocks",
	    "list this node's blocks",
	    "Lists what this node blocks: kind, key, date and reason.",
	    { { NULL, NULL } } },
	{ "moderators", "weft moderators add|rm AUTHOR | weft moderators [ls]",
	    "name whose labels act on this node",
	    "A moderator's labels hide or block what they name here "
	    "(docs/moderation.md says which label does what); anyone else's "
	    "labels are reports, which change nothing.",
	    { { NULL, NULL } } },
	{ "label", "weft label ID LABEL [--author|--design|--file] "
	    "[--remove] [--reason R]",
	    "sign a moderation label",
	    "Signs a label on an author, a design or a file (by content "
	    "hash): spam, nsfw, illegal, copyright, stolen-design, or a "
	    "namespaced NS/NAME such as org.example/name. It acts on every "
	    "node that trusts you as a moderator and travels with what it "
	    "names. With --remove it withdraws a label you gave (the label "
	    "weft.not/LABEL).",
	    { { "-l, --label LABEL", "The label, instead of the second "
		"argument." },
	      { "--author, --design, --file", "Say what the id names." },
	      { "--remove", "Withdraw your label LABEL on the id." },
	      { "-r, --reason R", "Why (at most 1024 bytes)." },
	      { NULL, NULL } } },
	{ "report", "weft report ID --label LABEL [--author|--design|--file] "
	    "[--reason R]",
	    "report something to moderators",
	    "Signs a label as 'weft label' does; from someone who is not a "
	    "moderator it is a report, which moderators' nodes list in "
	    "'weft reports' and which changes nothing elsewhere.",
	    { { "-l, --label LABEL", "The label asked for." },
	      { "--author, --design, --file", "Say what the id names." },
	      { "-r, --reason R", "Why (at most 1024 bytes)." },
	      { NULL, NULL } } },
	{ "reports", "weft reports [--all]",
	    "list reports stored here",
	    "Lists the labels stored here whose signers are not moderators "
	    "of this node: label, target, reporter, date, reason.",
	    { { "-a, --all", "Every label, moderators' too." },
	      { NULL, NULL } } },
	{ "pins", "weft pins",
	    "list the designs kept by a get alone",
	    "Lists the designs whose files this node keeps because 'weft "
	    "get' asked for them although no follow or mirror covers them, "
	    "with bytes held / wanted.",
	    { { NULL, NULL } } },
	{ "mirror", "weft mirror [LIB|--all]",
	    "keep a library's files, or list mirrors",
	    "Mirrors a library: keeps its entries, the designs they name "
	    "and all their files; 'weft status' shows what is missing. "
	    "Without LIB or --all, lists what is mirrored, each with its "
	    "designs held / known and bytes held / wanted.",
	    { { "--all", "Keep everything this node hears of (a full "
		"seed)." },
	      { NULL, NULL } } },
	{ "unmirror", "weft unmirror LIB|--all",
	    "stop mirroring",
	    "Stops mirroring a library, or everything. What is not "
	    "mirrored is 'not found' (exit 3).",
	    { { "--all", "Stop keeping everything." },
	      { NULL, NULL } } },
	{ "config",
	    "weft config get KEY\n"
	    "weft config set KEY VALUE\n"
	    "weft config add KEY VALUE\n"
	    "weft config unset KEY [VALUE]\n"
	    "weft config list [--all]",
	    "read and edit the config file",
	    "Reads and edits HOME/config, keeping its comments: get prints "
	    "a key, set replaces it, add appends to a key that may repeat "
	    "(peer, seed), unset removes it (or one value), list prints "
	    "every setting. See weft-config(5); restart weftd to apply.",
	    { { "--all", "With list: also every key the file does not "
		"set, with its default." },
	      { NULL, NULL } } },
	{ "web-password", "weft web-password [--off]",
	    "set the password of a non-loopback web UI",
	    "Reads a password (from the terminal, twice and not echoed, or "
	    "the first line of stdin) and stores its Argon2id hash as "
	    "web-password in HOME/config; the password itself is never "
	    "stored. A web UI on a non-loopback address is read-only "
	    "without one; with one, a browser that logs in at /login may "
	    "act. Restart weftd to apply.",
	    { { "--off", "Remove the password: such a UI is read-only "
		"again." },
	      { NULL, NULL } } },
	{ "profile", "weft profile set --name NAME [--bio TEXT] [--link URL]"
	    "... [--avatar FILE]\nweft profile show [AUTHOR] [--avatar OUT]",
	    "set or show an author's name, bio and links",
	    "Signs a profile with your author key: a display name, a short "
	    "bio and up to 8 http(s) links; the latest profile of an author "
	    "wins and travels with their records. Names are not unique and "
	    "never identify anyone, so weft shows a key prefix beside every "
	    "name. 'show' prints the profile of AUTHOR (a key prefix of 8 or "
	    "more hex digits), or your own.",
	    { { "--name NAME", "The display name, one line of at most 64 "
		"bytes." },
	      { "--bio TEXT", "A few lines about you, at most 1024 bytes." },
	      { "--link URL", "A link that starts with https:// or http://; "
		"repeat for more (at most 8)." },
	      { "--avatar FILE", "With set, a JPEG, PNG or WebP picture of "
		"at most 1 MiB, published without its location and camera "
		"metadata (weft says what it removed); with show, the new "
		"file to write the author's avatar to." },
	      { NULL, NULL } } },
	{ "comment", "weft comment DESIGN [TEXT|-] [--reply-to COMMENT] "
	    "[--edit COMMENT] | --delete COMMENT",
	    "comment on a design",
	    "Signs a comment on DESIGN (a design id, or a revision id to say "
	    "which revision it is about) and sends it to your peers. Without "
	    "TEXT, or with '-', the text is read from standard input (at "
	    "most 8192 bytes of UTF-8).",
	    { { "--reply-to COMMENT", "Reply to that comment." },
	      { "--edit COMMENT", "Replace your own earlier comment with "
		"this text; readers see the newest version." },
	      { "--delete COMMENT", "Take back your own comment (and its "
		"edits) everywhere: weft retract of it." },
	      { NULL, NULL } } },
	{ "comments", "weft comments DESIGN",
	    "show the comments on a design",
	    "Prints the comments this node has on DESIGN as a thread, oldest "
	    "first, replies under what they answer, each with its author's "
	    "name and key prefix, its date and id; an edited comment shows "
	    "its newest text.",
	    { { NULL, NULL } } },
	{ "like", "weft like DESIGN",
	    "like a design",
	    "Signs a like of DESIGN. Each author counts once per design: "
	    "liking again changes nothing, and 'weft unlike' takes it back. "
	    "'weft show' prints a design's likes and comments.",
	    { { NULL, NULL } } },
	{ "make", "weft make DESIGN --photo FILE... [--note TEXT] "
	    "[--printer P] [--material M] [--settings S] [--rev REV]",
	    "show a print you made of a design",
	    "Signs a make: photos of your print of DESIGN (its newest "
	    "revision, or REV), with a note and what you printed it on and "
	    "with. Photos are JPEG, PNG or WebP files of at most 2,000,000 "
	    "bytes each; before they are hashed and signed, weft removes the "
	    "location, camera and time metadata in them and says so.",
	    { { "--photo FILE", "A photo of the print; repeat for more (1 to "
		"8)." },
	      { "--note TEXT", "How it went, at most 4096 bytes." },
	      { "--printer P", "The printer, one line." },
	      { "--material M", "The material, one line." },
	      { "--settings S", "Layer height, infill and the like." },
	      { "--rev REV", "The revision printed, if not the newest." },
	      { NULL, NULL } } },
	{ "makes", "weft makes DESIGN",
	    "show the prints people made of a design",
	    "Lists the makes this node has of DESIGN, oldest first: who made "
	    "it (name and key prefix), when, the revision printed, printer, "
	    "material, note and photos. A node keeps the photos where it "
	    "keeps the design's files (follow, mirror).",
	    { { NULL, NULL } } },
	{ "unlike", "weft unlike DESIGN",
	    "take a like back",
	    "Signs a reaction that takes your like of DESIGN back.",
	    { { NULL, NULL } } },
	{ "stop", "weft stop [--timeout SEC]",
	    "stop the daemon",
	    "Asks weftd to shut down cleanly (as SIGTERM does) and waits "
	    "until it has exited; exits 4 if no daemon runs.",
	    { { "-t, --timeout SEC", "Wait at most SEC seconds (default 30); "
		"exit 1 if the daemon is still running then." },
	      { NULL, NULL } } },
};

#define NHELP	(sizeof(table) / sizeof(table[0]))

const struct weft_help *
weft_help_find(const char *name)
{
	for (size_t i = 0; i < NHELP; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const struct weft_help *
weft_help_at(size_t i)
{
	return i < NHELP ? &table[i] : NULL;
}

/*
 * Writes text's words from column col (the cursor is there already),
 * wrapping at width; continuation lines are indented by indent.
 */
static void
wrap_from(FILE *f, const char *text, int col, int indent, int width)
{
	const char	*p = text, *end;
	bool		 line_empty = true;
	int		 n;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		end = p;
		while (*end != '\0' && *end != ' ')
			end++;
		n = (int)(end - p);
		if (!line_empty && col + 1 + n > width) {
			fputc('\n', f);
			col = 0;
			line_empty = true;
		}
		if (col < indent) {
			fprintf(f, "%*s", indent - col, "");
			col = indent;
		} else if (!line_empty) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, (size_t)n, f);
		col += n;
		line_empty = false;
		p = end;
	}
	fputc('\n', f);
}

void
weft_help_wrap(FILE *f, const char *text, int indent, int width)
{
	wrap_from(f, text, 0, indent, width);
}

void
weft_help_print(FILE *f, const struct weft_help *h)
{
	const char	*s = h->synopsis, *nl;
	bool		 first = true;
	int		 n;

	/* One "usage:" line per synopsis line, aligned. */
	while (*s != '\0') {
		nl = strchr(s, '\n');
		n = nl != NULL ? (int)(nl - s) : (int)strlen(s);
		fprintf(f, "%s%.*s\n", first ? "usage: " : "       ", n, s);
		first = false;
		s += n + (nl != NULL);
	}
	fputc('\n', f);
	weft_help_wrap(f, h->text, 0, HELP_WIDTH);
	if (h->opts[0].flags != NULL) {
		fputs("\noptions:\n", f);
		for (size_t i = 0; i < WEFT_HELP_OPTS_MAX &&
		    h->opts[i].flags != NULL; i++) {
			/* The text follows the flags, or the next line. */
			n = fprintf(f, "  %s", h->opts[i].flags);
			if (n > OPT_COLUMN - 2) {
				fputc('\n', f);
				n = 0;
			}
			wrap_from(f, h->opts[i].text, n, OPT_COLUMN,
			    HELP_WIDTH);
		}
	}
	if (strcmp(h->name, "help") != 0)
		fputs("\nThe global options --home DIR, --json and -q "
		    "(--quiet) work here too;\nsee 'weft help'.\n", f);
}

/* Did you mean */

#define DIST_LEN_MAX	64

static int
fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

size_t
weft_help_distance(const char *a, const char *b, size_t cap)
{
	size_t	d[DIST_LEN_MAX + 1][DIST_LEN_MAX + 1];
	size_t	la = strlen(a), lb = strlen(b), i, j, best, v;

	if (la > DIST_LEN_MAX || lb > DIST_LEN_MAX)
		return cap;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			best = d[i - 1][j - 1] +
			    (fold((unsigned char)a[i - 1]) !=
			    fold((unsigned char)b[j - 1]));
			v = d[i - 1][j] + 1;
			if (v < best)
				best = v;
			v = d[i][j - 1] + 1;
			if (v < best)
				best = v;
			if (i > 1 && j > 1 &&
			    fold((unsigned char)a[i - 1]) ==
			    fold((unsigned char)b[j - 2]) &&
			    fold((unsigned char)a[i - 2]) ==
			    fold((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb] < cap ? d[la][lb] : cap;
}

/* How far a misspelling of word may be: a third of it, 1 to 3. */
static size_t
tolerance(const char *word)
{
	size_t	t = strlen(word) / 3;

	return t < 1 ? 1 : t > 3 ? 3 : t;
}

static bool
is_prefix(const char *word, const char *cand)
{
	size_t	n = strlen(word);

	if (n < 3 || strlen(cand) <= n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (fold((unsigned char)word[i]) !=
		    fold((unsigned char)cand[i]))
			return false;
	return true;
}

const char *
weft_help_suggest(const char *word, const char *const *cands, size_t n)
{
	const char	*best = NULL;
	size_t		 bestd, d;

	bestd = tolerance(word) + 1;
	for (size_t i = 0; i < n; i++) {
		d = weft_help_distance(word, cands[i], bestd);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	if (best != NULL)
		return best;
	for (size_t i = 0; i < n; i++)
		if (is_prefix(word, cands[i]))
			return cands[i];
	return NULL;
}

size_t
weft_help_license_suggest(const char *id, const char **out, size_t max)
{
	const char	*lic;
	size_t		 n = 0, limit, bestd, d, k, len;

	if (max == 0)
		return 0;
	/*
	 * Completions first, shortest first and, at equal length, the later
	 * (newer) version first: "GPL-3.0" gives GPL-3.0-only, "CC-BY-4"
	 * CC-BY-4.0.
	 */
	for (size_t i = 0; (lic = weft_license_at(i)) != NULL; i++) {
		if (!is_prefix(id, lic))
			continue;
		len = strlen(lic);
		for (k = 0; k < n; k++)
			if (len <= strlen(out[k]))
				break;
		if (k == max)
			continue;
		if (n == max)
			n--;
		memmove(&out[k + 1], &out[k], (n - k) * sizeof(out[0]));
		out[k] = lic;
		n++;
	}
	if (n > 0)
		return n;
	/* Then close misspellings: "mit2" for "MIT". */
	limit = bestd = tolerance(id) + 1;
	for (size_t i = 0; (lic = weft_license_at(i)) != NULL; i++) {
		d = weft_help_distance(id, lic, limit);
		if (d >= limit)
			continue;
		if (d < bestd) {
			bestd = d;
			n = 0;
		}
		if (d == bestd && n < max)
			out[n++] = lic;
	}
	return n;
}
