//! Per-command option tables and the option parser that canonicalises flags.
//!
//! Each table entry is written in a compact notation, parsed once:
//!
//! * attributes: `posix` (options stop at the first operand; default is GNU permutation),
//!   `single` (long options take one dash: `-name`, `-auto-approve`), `paths` (operands are
//!   file paths), `skip1` (the first operand is not a path: a mode, an owner, a pattern),
//!   `sub` (the first operand names a subcommand, looked up as `"cmd sub"`), `mode` (short
//!   bundles made of mode letters are operands: `chmod -x f`), `nocase` (long options are
//!   case-insensitive and take prefixes even with one dash: PowerShell);
//! * options: groups separated by blanks, aliases by `|`. The first multi-letter alias is the
//!   canonical name (else the letter). A trailing `=` means the option takes a value (attached
//!   or as the next word), `?` an optional attached value (`--color[=WHEN]`, `-i[SUFFIX]`),
//!   `=!` a value that also ends option parsing (`python -c CODE args…`).

use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Flag, Word};

/// How an option takes its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arg {
    No,
    Required,
    Optional,
    /// Required, and the rest of the words are operands.
    Terminal,
}

/// One option alias.
#[derive(Clone, Debug)]
struct Opt {
    canon: &'static str,
    arg: Arg,
}

/// A parsed table entry.
#[derive(Debug, Default)]
pub(crate) struct Spec {
    pub posix: bool,
    pub single: bool,
    pub paths: bool,
    pub skip1: bool,
    pub sub: bool,
    pub mode: bool,
    /// Case-insensitive long options that accept prefixes even with one dash (PowerShell).
    pub nocase: bool,
    short: HashMap<char, Opt>,
    long: Vec<(&'static str, Opt)>,
}

/// The option tables. Keys are command names or `"cmd sub"` paths, separated by commas.
const TABLE: &[(&str, &str, &str)] = &[
    (
        "rm, grm",
        "paths",
        "r|R|recursive f|force i I interactive? d|dir v|verbose no-preserve-root preserve-root? one-file-system help version",
    ),
    ("rmdir", "paths", "p|parents v|verbose ignore-fail-on-non-empty"),
    ("unlink", "paths", ""),
    (
        "shred",
        "paths",
        "f|force n|iterations= s|size= u|remove? v|verbose x|exact z|zero random-source=",
    ),
    (
        "chmod",
        "paths skip1 mode",
        "R|recursive c|changes f|silent|quiet v|verbose reference= preserve-root no-preserve-root",
    ),
    (
        "chown, chgrp",
        "paths skip1",
        "R|recursive c|changes f|silent|quiet v|verbose h|no-dereference H L P dereference from= reference= preserve-root no-preserve-root",
    ),
    (
        "mv",
        "paths",
        "f|force i|interactive n|no-clobber v|verbose b backup? S|suffix= t|target-directory= T|no-target-directory u|update? strip-trailing-slashes Z context? exchange no-copy",
    ),
    (
        "cp",
        "paths",
        "a|archive r|R|recursive f|force i|interactive n|no-clobber v|verbose p preserve? no-preserve= l|link s|symbolic-link u|update? t|target-directory= T|no-target-directory d P|no-dereference L|dereference H x|one-file-system b backup? S|suffix= remove-destination parents attributes-only sparse= reflink? strip-trailing-slashes Z context? debug",
    ),
    (
        "ln",
        "paths",
        "s|symbolic f|force n|no-dereference v|verbose i|interactive b backup? S|suffix= t|target-directory= T|no-target-directory r|relative L|logical P|physical",
    ),
    ("touch", "paths", "a c|no-create d|date= f h|no-dereference m r|reference= t= time="),
    ("truncate", "paths", "s|size= c|no-create o|io-blocks r|reference="),
    (
        "mkfs",
        "paths",
        "t|type= L|label= F f q V v c l= n= b= m= U= O= E= j J= I= N= i= g= G= r= T=",
    ),
    ("cd, pushd", "paths posix", "L P e @"),
    ("echo, printf", "", "n e E v="),
    (
        "eval, trap, alias, export, declare, typeset, local, readonly, unset, read, set, shift, exit, return, true, false, :, test, [, [[, wait, jobs, fg, bg, type, hash, which, whoami, id, date, sleep, yes, seq",
        "",
        "",
    ),
    (
        "grep, egrep, fgrep, rg",
        "paths skip1",
        "e|regexp= f|file= m|max-count= A|after-context= B|before-context= C|context= include= exclude= exclude-dir= d|directories= D|devices= label= color? colour? binary-files= r|recursive R|dereference-recursive i|ignore-case n|line-number l|files-with-matches v|invert-match w|word-regexp x|line-regexp E|extended-regexp F|fixed-strings P|perl-regexp s|no-messages q|quiet|silent c|count o|only-matching H h g|glob= t|type= T|type-not=",
    ),
    (
        "sed",
        "paths skip1",
        "e|expression= f|file= i|in-place? n|quiet|silent s|separate E|r|regexp-extended l|line-length= z|null-data u|unbuffered b|binary debug follow-symlinks posix sandbox",
    ),
    (
        "git",
        "posix sub",
        "C= c= git-dir= work-tree= namespace= exec-path? p|paginate P|no-pager bare no-replace-objects literal-pathspecs glob-pathspecs noglob-pathspecs icase-pathspecs config-env= super-prefix= list-cmds= html-path man-path info-path version help",
    ),
    (
        "git push",
        "",
        "f|force force-with-lease? force-if-includes no-force-with-lease no-force-if-includes mirror d|delete all branches tags follow-tags u|set-upstream n|dry-run no-verify verify v|verbose q|quiet porcelain atomic prune o|push-option= repo= receive-pack= exec= thin no-thin 4|ipv4 6|ipv6 signed? recurse-submodules= progress no-progress",
    ),
    (
        "git reset",
        "",
        "hard soft mixed keep merge q|quiet p|patch N|intent-to-add pathspec-from-file= pathspec-file-nul recurse-submodules? no-recurse-submodules",
    ),
    ("git clean", "paths", "f|force d x X n|dry-run i|interactive q|quiet e|exclude="),
    (
        "git checkout",
        "paths",
        "f|force b= B= orphan= t|track? no-track q|quiet m|merge p|patch ours theirs detach l conflict= overlay no-overlay ignore-other-worktrees recurse-submodules? pathspec-from-file= progress no-progress",
    ),
    (
        "git restore",
        "paths",
        "s|source= S|staged W|worktree p|patch q|quiet ours theirs m|merge conflict= overlay no-overlay ignore-unmerged pathspec-from-file= recurse-submodules? progress",
    ),
    (
        "git switch",
        "",
        "c|create= C|force-create= f|force|discard-changes d|detach t|track? orphan= m|merge q|quiet guess no-guess",
    ),
    (
        "git branch",
        "",
        "d|delete D f|force m|move M c|copy C r|remotes a|all l|list v|verbose q|quiet u|set-upstream-to= unset-upstream t|track? no-track contains= no-contains= merged? no-merged? sort= points-at= format= color? column? show-current edit-description",
    ),
    (
        "git commit",
        "",
        "m|message= F|file= C|reuse-message= c|reedit-message= a|all amend no-edit n|no-verify S|gpg-sign? s|signoff q|quiet v|verbose e|edit author= date= t|template= fixup= squash= u|untracked-files? allow-empty allow-empty-message p|patch i|include o|only dry-run cleanup= trailer=",
    ),
    (
        "git tag",
        "",
        "d|delete f|force a|annotate s|sign m|message= F|file= l|list u|local-user= n? v|verify",
    ),
    ("git rm", "paths", "r f|force cached n|dry-run q|quiet ignore-unmatch"),
    (
        "git filter-branch",
        "",
        "f|force tree-filter= index-filter= msg-filter= env-filter= subdirectory-filter= prune-empty original= d= parent-filter= commit-filter= tag-name-filter= setup=",
    ),
    ("git stash", "sub", "q|quiet"),
    (
        "git fetch, git pull",
        "",
        "f|force prune p all tags r|rebase? ff-only no-ff depth= unshallow",
    ),
    (
        "curl",
        "",
        "o|output= O|remote-name d|data= data-binary= data-raw= data-urlencode= data-ascii= json= H|header= X|request= u|user= A|user-agent= e|referer= b|cookie= c|cookie-jar= F|form= form-string= T|upload-file= x|proxy= w|write-out= K|config= m|max-time= connect-timeout= retry= retry-delay= retry-max-time= r|range= C|continue-at= E|cert= cacert= capath= key= url= U|proxy-user= resolve= output-dir= create-dirs L|location s|silent S|show-error f|fail fail-with-body k|insecure v|verbose i|include I|head G|get g|globoff N|no-buffer #|progress-bar compressed z|time-cond= Y|speed-limit= y|speed-time= limit-rate= interface= local-port= max-filesize= max-redirs= proto= proto-redir= oauth2-bearer= 4|ipv4 6|ipv6 n|netrc netrc-file= q|disable t|telnet-option= Q|quote= P|ftp-port= D|dump-header= trace= trace-ascii= stderr= unix-socket= variable= ssl no-progress-meter a|append B|use-ascii J|remote-header-name j|junk-session-cookies l|list-only M|manual p|proxytunnel R|remote-time V|version Z|parallel h|help",
    ),
    (
        "wget",
        "",
        "O|output-document= o|output-file= a|append-output= P|directory-prefix= q|quiet v|verbose c|continue N|timestamping r|recursive l|level= i|input-file= F|force-html B|base= post-data= post-file= body-data= method= header= U|user-agent= user= password= e|execute= t|tries= T|timeout= w|wait= A|accept= R|reject= D|domains= exclude-domains= no-parent no-clobber x|force-directories no-directories m|mirror k|convert-links p|page-requisites S|server-response spider no-check-certificate b|background d|debug 4|inet4-only 6|inet6-only load-cookies= save-cookies= ca-certificate= certificate= private-key= limit-rate= Q|quota= max-redirect= bind-address= no-verbose",
    ),
    (
        "tar",
        "paths",
        "c|create x|extract|get t|list r|append u|update d|diff|compare A|catenate|concatenate delete f|file= C|directory= z|gzip|gunzip|ungzip j|bzip2 J|xz Z|compress a|auto-compress v|verbose p|preserve-permissions k|keep-old-files overwrite remove-files T|files-from= X|exclude-from= exclude= I|use-compress-program= to-command= checkpoint? checkpoint-action= transform= xform= strip-components= absolute-names P O|to-stdout null h|dereference W|verify g|listed-incremental= G|incremental U|unlink-first recursive-unlink skip-old-files keep-newer-files one-file-system same-owner no-same-owner owner= group= mode= mtime= b|blocking-factor= H|format= V|label= N|newer|after-date= wildcards anchored s|same-order S|sparse M|multi-volume L|tape-length= F|info-script|new-volume-script= R|block-number w|interactive|confirmation B|read-full-records i|ignore-zeros zstd lzma lzip lzop",
    ),
    (
        "ssh",
        "posix",
        "b= c= D= E= e= F= I= i= J= L= l= m= O= o= p= Q= R= S= W= w= B= P= 4 6 A a C f G g K k M N n q s T t V v X x Y y",
    ),
    ("scp", "paths", "3 4 6 A B C O p q R r|recursive s T v c= F= i= J= l= o= P= S= X= D="),
    (
        "rsync",
        "paths",
        "a|archive r|recursive v|verbose z|compress delete delete-before delete-during delete-delay delete-after delete-excluded remove-source-files n|dry-run e|rsh= exclude= include= exclude-from= include-from= filter= f= P progress partial u|update l|links L|copy-links H|hard-links p|perms o|owner g|group D t|times c|checksum h|human-readable q|quiet i|itemize-changes R|relative x|one-file-system S|sparse W|whole-file b|backup backup-dir= suffix= max-delete= max-size= min-size= bwlimit= T|temp-dir= timeout= port= password-file= rsync-path= chmod= chown= info= debug= log-file= out-format= files-from= from0 force ignore-existing ignore-times existing inplace append checksum-choice= compress-level=",
    ),
    (
        "docker, podman",
        "posix sub",
        "config= c|context= D|debug H|host= l|log-level= tls tlscacert= tlscert= tlskey= tlsverify v|version",
    ),
    (
        "docker run, docker create, podman run, podman create",
        "posix",
        "v|volume= e|env= p|publish= name= w|workdir= u|user= network|net= pid= cap-add= cap-drop= security-opt= entrypoint= mount= m|memory= cpus= env-file= l|label= platform= restart= device= add-host= h|hostname= ipc= log-driver= log-opt= ulimit= tmpfs= gpus= shm-size= volumes-from= dns= expose= a|attach= cidfile= runtime= userns= uts= cgroupns= pull= stop-signal= stop-timeout= health-cmd= group-add= link= label-file= c|cpu-shares= cpuset-cpus= memory-swap= sysctl= isolation= init rm d|detach i|interactive t|tty privileged read-only P|publish-all q|quiet oom-kill-disable",
    ),
    (
        "docker exec, podman exec",
        "posix",
        "d|detach detach-keys= e|env= env-file= i|interactive privileged t|tty u|user= w|workdir=",
    ),
    (
        "docker system, docker volume, docker image, docker container, docker network, docker builder, docker compose, podman system, podman volume, podman image, podman container",
        "sub",
        "f|file= p|project-name= profile= project-directory= env-file=",
    ),
    (
        "docker system prune, docker volume prune, docker image prune, docker container prune, docker builder prune, docker network prune",
        "",
        "a|all f|force volumes filter=",
    ),
    (
        "docker rm, docker rmi, docker volume rm, docker container rm, docker image rm",
        "",
        "f|force v|volumes l|link no-prune",
    ),
    ("docker compose down", "", "v|volumes rmi= remove-orphans t|timeout="),
    (
        "kubectl, oc",
        "sub posix",
        "n|namespace= context= kubeconfig= cluster= user= s|server= token= as= as-group= certificate-authority= client-certificate= client-key= request-timeout= v= l|selector= o|output= f|filename= c|container= field-selector= grace-period= replicas= timeout= A|all-namespaces all force wait? cascade? i|stdin t|tty R|recursive k|kustomize= dry-run? template= sort-by= now insecure-skip-tls-verify",
    ),
    ("terraform, tofu", "single sub posix", "chdir= help version"),
    (
        "terraform apply, terraform destroy, terraform plan, tofu apply, tofu destroy, tofu plan",
        "single",
        "auto-approve destroy target= var= var-file= replace= refresh? lock? lock-timeout= input? parallelism= state= state-out= backup= compact-warnings no-color json out=",
    ),
    ("terraform state, terraform workspace, tofu state, tofu workspace", "single sub", ""),
    (
        "npm, pnpm, yarn, bun",
        "sub",
        "g|global w|workspace= C|dir= prefix= registry= filter= loglevel= userconfig= y|yes",
    ),
    (
        "npm publish, pnpm publish, yarn publish, bun publish",
        "",
        "dry-run tag= access= otp= registry= provenance w|workspace= ws|workspaces no-git-checks",
    ),
    (
        "npm install, npm i, npm add, pnpm add, pnpm install, yarn add, bun add, bun install",
        "",
        "g|global D|save-dev E|save-exact registry= S|save O|save-optional no-save force legacy-peer-deps ignore-scripts w|workspace= filter=",
    ),
    ("npm config, pnpm config, yarn config", "sub", "g|global location= L="),
    (
        "cargo",
        "sub posix",
        "C= Z= config= color= v|verbose q|quiet offline locked frozen list explain= version h|help",
    ),
    (
        "cargo publish",
        "",
        "dry-run n registry= index= token= allow-dirty no-verify p|package= manifest-path= target= target-dir= j|jobs= features= F= all-features no-default-features",
    ),
    (
        "cargo install",
        "",
        "git= branch= tag= rev= path= root= index= registry= version= vers= f|force locked list features= F= bin= example= target-dir= j|jobs=",
    ),
    ("cargo clean", "", "p|package= target-dir= release r doc n|dry-run manifest-path= profile="),
    (
        "pip, pip3, uv",
        "sub posix",
        "isolated python= q|quiet v|verbose proxy= retries= timeout= cert= client-cert= cache-dir= no-cache-dir disable-pip-version-check require-virtualenv directory= project= offline no-cache",
    ),
    (
        "pip install, pip3 install, uv pip install",
        "",
        "r|requirement= c|constraint= e|editable= t|target= prefix= root= i|index-url= extra-index-url= index= default-index= trusted-host= f|find-links= no-index U|upgrade user break-system-packages force-reinstall no-deps pre upgrade-strategy= only-binary= no-binary= src= no-build-isolation progress-bar= report= dry-run system",
    ),
    ("uv pip", "sub", ""),
    ("pip uninstall, pip3 uninstall", "", "y|yes r|requirement= break-system-packages"),
    ("pip config, pip3 config", "sub", "global user site"),
    ("uv publish", "", "token= t= publish-url= u|username= p|password= index= dry-run"),
    (
        "uv add",
        "",
        "dev optional= group= index= default-index= index-url= extra-index-url= editable r|requirements= frozen locked",
    ),
    (
        "sudo",
        "posix",
        "u|user= g|group= C|close-from= D|chdir= h|host= p|prompt= r|role= t|type= U|other-user= T|command-timeout= A|askpass b|background E|preserve-env? e|edit H|set-home i|login K|remove-timestamp k|reset-timestamp l|list n|non-interactive P|preserve-groups S|stdin s|shell V|version v|validate B|bell N|no-update R|chroot=",
    ),
    ("doas", "posix", "u= C= n s L"),
    ("pkexec", "posix", "user= disable-internal-agent keep-cwd"),
    (
        "run0",
        "posix",
        "u|user= g|group= D|chdir= setenv= unit= property= description= slice= nice= background= machine= pty? no-ask-password",
    ),
    (
        "env",
        "posix",
        "i|ignore-environment 0|null u|unset= C|chdir= S|split-string= v|debug block-signal? default-signal? ignore-signal? list-signal-handling",
    ),
    ("nice", "posix", "n|adjustment="),
    ("ionice", "posix", "c|class= n|classdata= p|pid= P|pgid= t|ignore u|uid="),
    ("timeout", "posix", "s|signal= k|kill-after= foreground preserve-status v|verbose"),
    ("stdbuf", "posix", "i|input= o|output= e|error="),
    ("setsid", "posix", "c|ctty f|fork w|wait"),
    (
        "flock",
        "posix",
        "s|shared x|e|exclusive u|unlock n|nb|nonblock w|wait|timeout= E|conflict-exit-code= o|close c|command=! F|no-fork verbose",
    ),
    ("nohup, builtin", "posix", ""),
    ("time", "posix", "p f|format= o|output= a|append v|verbose q|quiet"),
    ("command", "posix", "p v V"),
    ("exec", "posix", "c l a="),
    ("chroot", "posix", "userspec= groups= skip-chdir"),
    (
        "uv run, poetry run, pipenv run, bundle exec, pnpm exec, npm exec, yarn exec, conda run, pnpm dlx, yarn dlx, npx, bunx, pnpx",
        "posix",
        "with= python= p|prefix= project= directory= env-file= package= group= extra= index= n|name= cwd= live-stream no-capture-output c|call= y|yes q|quiet frozen locked no-sync isolated no-install",
    ),
    ("caffeinate", "posix", "d i m s u t= w="),
    ("unbuffer", "posix", "p"),
    ("chronic", "posix", "e v"),
    ("torsocks, proxychains, proxychains4", "posix", "q f= i d a= P="),
    (
        "runuser",
        "posix",
        "u|user= g|group= G|supp-group= l|login c|command= s|shell= m|p|preserve-environment w|whitelist-environment= P|pty",
    ),
    (
        "watch",
        "posix",
        "n|interval= d|differences? t|no-title b|beep e|errexit g|chgexit c|color C|no-color x|exec p|precise w|no-wrap q|equexit=",
    ),
    (
        "xargs",
        "posix",
        "0|null a|arg-file= d|delimiter= E= e|eof? I= i|replace? L|max-lines? l? n|max-args= P|max-procs= p|interactive r|no-run-if-empty s|max-chars= t|verbose x|exit o|open-tty process-slot-var= show-limits",
    ),
    (
        "parallel",
        "posix",
        "j|jobs= a|arg-file= S|sshlogin= d|delimiter= E= I= colsep= k|keep-order q|quote 0|null X m u v n|max-args= N= halt= timeout= joblog= results= retries= tag tagstring= eta progress bar dry-run linebuffer line-buffer L|max-lines= P= workdir= wd= env= pipe block= recstart= recend= header= shebang semaphore fg bg id= no-notice will-cite",
    ),
    (
        "su",
        "",
        "c|command= session-command= l|login s|shell= m|p|preserve-environment g|group= G|supp-group= f|fast w|whitelist-environment= P|pty",
    ),
    (
        "sh, bash, zsh, dash, ksh, mksh, ash, fish, yash, posh",
        "posix",
        "c|command s i l|login e x u v n f h k m p r t a b o= O= C E posix norc noprofile rcfile= init-file= restricted verbose noediting debugger",
    ),
    (
        "python, python2, python3, pypy, pypy3",
        "posix",
        "c=! m=! B d E h i I O q s S u v V W= X= x b R P",
    ),
    (
        "node, nodejs",
        "posix",
        "e|eval=! p|print=! r|require= i|interactive input-type= import= loader= experimental-vm-modules no-warnings",
    ),
    ("deno", "sub posix", ""),
    ("perl", "posix", "e= E= n p l? a F= i? M= m= I= w W X T t s c x? 0? C?"),
    ("ruby", "posix", "e= n p l a F= i? r= I= w W? c d v x? C= E= 0? s S"),
    ("php", "posix", "r= f= B= R= F= E= d= c= n a h i l m s v w z= H q e"),
    (
        "awk, gawk, mawk, nawk, busybox-awk",
        "posix",
        "F= v= f= e|source= E= b c C d? D? g h i= l= L? M N n o? O p? P r s S t V W=",
    ),
    ("osascript", "posix", "e= l= i s="),
    (
        "pwsh, powershell",
        "single posix nocase",
        "command=!|c=! encodedcommand=|enc=|e=|ec= file=!|f=! noprofile|nop noninteractive executionpolicy=|ep= nologo windowstyle= ",
    ),
    (
        "psql",
        "",
        "c|command= f|file= d|dbname= h|host= p|port= U|username= w W X 1 v|set|variable= o|output= A t q",
    ),
    (
        "mysql, mariadb",
        "",
        "e|execute= u|user= p|password? h|host= P|port= D|database= B|batch s|silent N",
    ),
    ("sqlite3", "", "cmd= init= bail batch csv json line list header"),
    ("kill", "", "s= n= l L"),
    ("pkill, pgrep", "", "signal= f|full u= U= g= G= P= s= t= n o x v"),
    (
        "kubectl *, oc *",
        "",
        "n|namespace= context= kubeconfig= cluster= user= s|server= token= as= as-group= l|selector= o|output= f|filename= c|container= field-selector= grace-period= replicas= timeout= A|all-namespaces all force wait? cascade? i|stdin t|tty R|recursive k|kustomize= dry-run? template= sort-by= now",
    ),
    ("docker *, podman *", "", "f|force a|all q|quiet v|volumes"),
    (
        "find",
        "single",
        "name= iname= path= ipath= wholename= iwholename= regex= iregex= type= xtype= maxdepth= mindepth= mtime= atime= ctime= mmin= amin= cmin= newer= size= user= group= perm= uid= gid= links= inum= samefile= fprint= fprintf= fprint0= fls= printf= regextype= context= used= lname= ilname= newermt= delete print print0 prune quit ls depth xdev mount follow noleaf readable writable executable empty true false not and or a o nouser nogroup daystart ignore_readdir_race",
    ),
];

/// Looks up the spec for a command name or `"cmd sub"` path.
///
/// Each table entry is built the first time one of its names is looked up: building all of
/// them costs ~0.75 ms (3 M instructions), more than a whole `tl hook` process, and one command
/// line needs only a few. The first lookups scan the table (a few thousand instructions each);
/// a process that keeps looking up (the daemon, `tl import`) builds a name index after
/// [`SCANS`] of them, which costs ~95 K instructions once.
pub(crate) fn lookup(key: &str) -> Option<&'static Spec> {
    static INDEX: OnceLock<HashMap<&'static str, usize, Fnv>> = OnceLock::new();
    static LOOKUPS: AtomicUsize = AtomicUsize::new(0);
    static SPECS: [OnceLock<Spec>; TABLE.len()] = [const { OnceLock::new() }; TABLE.len()];
    let names = |names: &'static str| names.split(',').map(str::trim).filter(|k| !k.is_empty());
    let i = match INDEX.get() {
        Some(index) => *index.get(key)?,
        None if LOOKUPS.fetch_add(1, Ordering::Relaxed) < SCANS => {
            // The first entry naming a command wins (no name appears twice; a test checks it).
            TABLE.iter().position(|(n, _, _)| names(n).any(|n| n == key))?
        }
        None => {
            let index = INDEX.get_or_init(|| {
                let mut map = HashMap::with_capacity_and_hasher(2 * TABLE.len(), Fnv);
                for (i, (n, _, _)) in TABLE.iter().enumerate() {
                    for name in names(n) {
                        map.entry(name).or_insert(i);
                    }
                }
                map
            });
            *index.get(key)?
        }
    };
    let (_, attrs, opts) = TABLE.get(i)?;
    Some(SPECS.get(i)?.get_or_init(|| build(attrs, opts)))
}

/// Lookups that scan the table before the name index is built.
const SCANS: usize = 32;

/// FNV-1a for the short command names of the index: SipHash's set-up and rounds cost more
/// than the table lookup they protect, and the keys are our own constants.
#[derive(Clone, Copy, Default)]
struct Fnv;

/// The hasher state of [`Fnv`].
struct FnvHasher(u64);

impl std::hash::BuildHasher for Fnv {
    type Hasher = FnvHasher;
    fn build_hasher(&self) -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

fn build(attrs: &str, opts: &'static str) -> Spec {
    let mut spec = Spec::default();
    for a in attrs.split_ascii_whitespace() {
        match a {
            "posix" => spec.posix = true,
            "single" => spec.single = true,
            "paths" => spec.paths = true,
            "skip1" => spec.skip1 = true,
            "sub" => spec.sub = true,
            "mode" => spec.mode = true,
            "nocase" => spec.nocase = true,
            _ => {}
        }
    }
    for group in opts.split_ascii_whitespace() {
        let (body, arg) = if let Some(b) = group.strip_suffix("=!") {
            (b, Arg::Terminal)
        } else if let Some(b) = group.strip_suffix('=') {
            (b, Arg::Required)
        } else if let Some(b) = group.strip_suffix('?') {
            (b, Arg::Optional)
        } else {
            (group, Arg::No)
        };
        let aliases: Vec<&'static str> = body
            .split('|')
            .map(|a| a.trim_end_matches(['=', '!', '?']))
            .filter(|a| !a.is_empty())
            .collect();
        let canon = aliases.iter().find(|a| a.chars().count() > 1).or(aliases.first()).copied();
        let Some(canon) = canon else { continue };
        for a in aliases {
            let mut chars = a.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if !spec.single => {
                    spec.short.insert(c, Opt { canon, arg });
                }
                _ => spec.long.push((a, Opt { canon, arg })),
            }
        }
    }
    spec
}

/// Result of parsing a command's options.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub flags: Vec<Flag>,
    /// Operands (indices into the argument slice).
    pub operands: Vec<usize>,
    /// Index of the first operand when parsing stopped there (posix), else `args.len()`.
    pub stop: usize,
}

/// The generic spec used for commands without a table entry.
pub(crate) fn generic() -> &'static Spec {
    static GENERIC: OnceLock<Spec> = OnceLock::new();
    GENERIC.get_or_init(|| build("paths", ""))
}

/// The generic spec for subcommands without a table entry (operands are not paths).
pub(crate) fn generic_sub() -> &'static Spec {
    static GENERIC_SUB: OnceLock<Spec> = OnceLock::new();
    GENERIC_SUB.get_or_init(|| build("", ""))
}

/// Canonical name and argument kind of a long (or single-dash) option, exact or by prefix.
pub(crate) fn long_opt(spec: &Spec, name: &str) -> Option<(&'static str, Arg)> {
    long_match(spec, name).map(|o| (o.canon, o.arg))
}

fn long_match<'s>(spec: &'s Spec, name: &str) -> Option<&'s Opt> {
    if let Some((_, o)) = spec.long.iter().find(|(l, _)| *l == name) {
        return Some(o);
    }
    if spec.single && !spec.nocase {
        // Single-dash tools (find, terraform) accept exact names only.
        return None;
    }
    let mut found: Option<&Opt> = None;
    for (l, o) in &spec.long {
        if l.starts_with(name) {
            match found {
                Some(prev) if prev.canon != o.canon => return None,
                _ => found = Some(o),
            }
        }
    }
    found
}

fn is_mode_bundle(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            matches!(
                c,
                'r' | 'w'
                    | 'x'
                    | 'X'
                    | 's'
                    | 't'
                    | 'u'
                    | 'g'
                    | 'o'
                    | 'a'
                    | ','
                    | '+'
                    | '-'
                    | '='
                    | '0'..='7'
            )
        })
}

/// Parses options from `args` (which excludes the command word) according to `spec`.
/// Stops at the first operand when `stop_at_operand` or the spec is POSIX-style.
pub(crate) fn parse_options(args: &[Word], spec: &Spec, stop_at_operand: bool) -> Parsed {
    let mut out = Parsed { stop: args.len(), ..Parsed::default() };
    let posix = spec.posix || stop_at_operand;
    let mut end_of_options = false;
    let mut i = 0;
    while i < args.len() {
        let w = &args[i];
        let t = w.text.as_str();
        if end_of_options || w.dynamic && !t.starts_with('-') || t == "-" || !t.starts_with('-') {
            if posix && !end_of_options {
                out.stop = i;
                return out;
            }
            out.operands.push(i);
            i += 1;
            continue;
        }
        if t == "--" {
            end_of_options = true;
            if posix {
                out.stop = i + 1;
                return out;
            }
            i += 1;
            continue;
        }
        if spec.mode && is_mode_bundle(&t[1..]) && !t.starts_with("--") {
            // `chmod -x file`: a mode, not an option.
            if posix {
                out.stop = i;
                return out;
            }
            out.operands.push(i);
            i += 1;
            continue;
        }
        let long_body = if let Some(b) = t.strip_prefix("--") {
            Some(b)
        } else if spec.single {
            t.strip_prefix('-')
        } else {
            None
        };
        if let Some(body) = long_body {
            let (name, attached) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (body, None),
            };
            let lowered;
            let name = if spec.nocase {
                lowered = name.to_ascii_lowercase();
                lowered.as_str()
            } else {
                name
            };
            let opt = long_match(spec, name);
            let canon = opt.map_or(name, |o| o.canon).to_owned();
            let arg = opt.map_or(Arg::No, |o| o.arg);
            let mut value = attached;
            let mut terminal = false;
            if matches!(arg, Arg::Required | Arg::Terminal)
                && value.is_none()
                && let Some(next) = args.get(i + 1)
            {
                value = Some(next.text.clone());
                i += 1;
            }
            if arg == Arg::Terminal {
                terminal = true;
            }
            let spelled = match t.split_once('=') {
                Some((s, _)) => s.to_owned(),
                None => t.to_owned(),
            };
            out.flags.push(Flag { name: canon, spelled, value });
            i += 1;
            if terminal {
                out.stop = i;
                return out;
            }
            continue;
        }
        // A bundle of short options: `-fr`, `-o FILE`, `-oFILE`, `-n5`.
        let body = &t[1..];
        let mut terminal = false;
        for (pos, c) in body.char_indices() {
            let opt = spec.short.get(&c);
            let arg = opt.map_or(Arg::No, |o| o.arg);
            let canon = opt.map_or_else(|| c.to_string(), |o| o.canon.to_owned());
            let rest = &body[pos + c.len_utf8()..];
            match arg {
                Arg::No => {
                    out.flags.push(Flag { name: canon, spelled: format!("-{c}"), value: None })
                }
                Arg::Optional => {
                    let value = (!rest.is_empty()).then(|| rest.to_owned());
                    out.flags.push(Flag { name: canon, spelled: format!("-{c}"), value });
                    break;
                }
                Arg::Required | Arg::Terminal => {
                    let value = if rest.is_empty() {
                        let v = args.get(i + 1).map(|n| n.text.clone());
                        if v.is_some() {
                            i += 1;
                        }
                        v
                    } else {
                        Some(rest.to_owned())
                    };
                    out.flags.push(Flag { name: canon, spelled: format!("-{c}"), value });
                    terminal = arg == Arg::Terminal;
                    break;
                }
            }
        }
        i += 1;
        if terminal {
            out.stop = i;
            return out;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<Word> {
        s.split_ascii_whitespace().map(Word::lit).collect()
    }

    fn names(p: &Parsed) -> Vec<String> {
        p.flags
            .iter()
            .map(|f| match &f.value {
                Some(v) => format!("{}={v}", f.name),
                None => f.name.clone(),
            })
            .collect()
    }

    #[test]
    fn every_name_has_one_table_entry() {
        let mut seen = std::collections::HashSet::new();
        for (names, _, _) in TABLE {
            for name in names.split(',').map(str::trim).filter(|k| !k.is_empty()) {
                assert!(seen.insert(name), "{name} is in two table entries");
                assert!(lookup(name).is_some(), "{name}");
            }
        }
        assert!(lookup("no-such-command").is_none());
    }

    #[test]
    fn canonicalises_rm() {
        let spec = lookup("rm").expect("rm spec");
        let p = parse_options(&words("-fr x --rec --for -- -y"), spec, false);
        assert_eq!(names(&p), ["force", "recursive", "recursive", "force"]);
        assert_eq!(p.operands, [1, 5]);
    }

    #[test]
    fn values_are_not_operands() {
        let spec = lookup("curl").expect("curl spec");
        let p = parse_options(&words("-sLo out.sh https://x"), spec, false);
        assert_eq!(names(&p), ["silent", "location", "output=out.sh"]);
        assert_eq!(p.operands, [2]);
    }

    #[test]
    fn subcommand_paths() {
        assert!(lookup("docker system prune").is_some());
        assert!(lookup("git push").is_some());
        assert!(lookup("npm install").is_some());
        assert!(lookup("sudo").is_some());
    }
}
