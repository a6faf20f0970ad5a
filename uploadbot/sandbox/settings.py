"""The sandbox wiki's configuration: the LocalSettings overlay and the router.

``install.php`` writes a stock ``LocalSettings.php`` (database, secret key) into
``DIR/install/``. The sandbox never edits that file: it writes its own
``DIR/LocalSettings.php`` on every start, which loads the stock one and then
turns on everything an upload bot needs. ``MW_CONFIG_FILE`` points MediaWiki
(web server, job runner and maintenance scripts alike) at the overlay.
"""

from __future__ import annotations

#: Commons' common file types (``$wgFileExtensions``).
FILE_EXTENSIONS = (
    'jpg',
    'jpeg',
    'png',
    'gif',
    'svg',
    'tif',
    'tiff',
    'webp',
    'pdf',
    'djvu',
    'ogg',
    'oga',
    'ogv',
    'webm',
    'wav',
    'flac',
    'mp3',
    'mpg',
    'mpeg',
    'stl',
)

#: PHP limits for the built-in server: direct uploads up to 100 MB.
#:
#: APCu holds the wiki's main cache (``CACHE_ACCEL``), sessions included, and
#: a full APCu clears every entry at once: every client is logged out in the
#: same instant. Each uploaded file leaves about 9 KB there (0.92 MB for 100
#: small files), so PHP's default of 32M filled after some 3,500 uploads, in
#: the middle of a test session or a benchmark; 512M lasts any of them.
PHP_INI = {
    'upload_max_filesize': '110M',
    'post_max_size': '120M',
    'memory_limit': '512M',
    'max_execution_time': '0',
    'max_input_time': '-1',
    'apc.shm_size': '512M',
}

#: The largest file the sandbox accepts, in chunks or by URL (5 GiB).
MAX_UPLOAD_SIZE = 5 * 1024**3


def php_array(items: tuple[str, ...]) -> str:
    """Quote strings as a PHP array literal."""
    return '[ ' + ', '.join(f"'{item}'" for item in items) + ' ]'


def local_settings(server: str, *, copy_uploads: bool = True) -> str:
    """The overlay ``LocalSettings.php`` for a sandbox served at ``server``."""
    return f"""<?php
// Written by uploadbot-sandbox on every start; edit uploadbot/sandbox/settings.py instead.
require __DIR__ . '/install/LocalSettings.php';

$wgServer = '{server}';
$wgScriptPath = '';
$wgArticlePath = '/index.php?title=$1';
$wgUploadDirectory = __DIR__ . '/images';
$wgUploadPath = '/images';
$wgTmpDirectory = __DIR__ . '/tmp';
$wgCacheDirectory = __DIR__ . '/cache';

// Uploads: direct, chunked into the stash, asynchronous, and by URL.
$wgEnableUploads = true;
$wgFileExtensions = {php_array(FILE_EXTENSIONS)};
$wgMaxUploadSize = [ '*' => {MAX_UPLOAD_SIZE}, 'url' => {MAX_UPLOAD_SIZE} ];
$wgEnableAsyncUploads = true;
$wgAllowCopyUploads = {'true' if copy_uploads else 'false'};
$wgCopyUploadsDomains = [];
$wgCopyUploadAsyncTimeout = 300;
$wgGroupPermissions['user']['upload_by_url'] = {'true' if copy_uploads else 'false'};
$wgGroupPermissions['sysop']['upload_by_url'] = {'true' if copy_uploads else 'false'};

// Jobs (asynchronous uploads among them) are run by the sandbox's own job
// runner, not at the end of web requests. MediaWiki keeps upload jobs out of
// the default queue (big wikis give them runners of their own); the
// sandbox's one runner takes them all.
$wgJobRunRate = 0;
$wgJobTypesExcludedFromDefaultQueue = [];

$wgEnableBotPasswords = true;
$wgShowExceptionDetails = true;
$wgDefaultSkin = 'vector';
$wgUseInstantCommons = false;
$wgEnableEmail = false;
"""


#: Router for PHP's built-in server: serves uploaded files from the sandbox's
#: own upload directory, everything else from MediaWiki's installation.
ROUTER = r"""<?php
$path = rawurldecode( parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );
if ( strncmp( $path, '/images/', 8 ) === 0 ) {
	$root = realpath( __DIR__ . '/images' );
	$file = realpath( $root . substr( $path, 7 ) );
	if ( $file === false || strncmp( $file, $root . '/', strlen( $root ) + 1 ) !== 0
		|| !is_file( $file ) ) {
		http_response_code( 404 );
		return true;
	}
	header( 'Content-Type: ' . ( mime_content_type( $file ) ?: 'application/octet-stream' ) );
	header( 'Content-Length: ' . filesize( $file ) );
	readfile( $file );
	return true;
}
return false;
"""
