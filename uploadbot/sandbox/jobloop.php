<?php
// The job runner of a sandbox with extensions (uploadbot/sandbox/wiki.py).
//
// Runs "php <runJobs.php> --maxjobs 1 --result json" again and again: each job
// in a fresh process, as a wiki's job runners do, so no job sees rules that an
// extension kept from before they changed (AbuseFilter keeps its filters for
// a process's life). A fresh process also looks at the queue afresh, where a
// long-lived runJobs.php --wait trusts its view of an empty queue for 15 s.
// Between polls of an empty queue it waits a second.
//
// Usage: php jobloop.php /usr/share/mediawiki/maintenance/runJobs.php

$command = implode( ' ', array_map( 'escapeshellarg',
	[ PHP_BINARY, $argv[1], '--maxjobs', '1', '--result', 'json' ] ) );
while ( true ) {
	$output = (string)shell_exec( $command );
	echo $output;
	$answer = json_decode( $output, true );
	if ( !is_array( $answer ) || !$answer['jobs'] ) {
		sleep( 1 );
	}
}
