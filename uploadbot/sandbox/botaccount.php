<?php
// Creates the sandbox's bot account (uploadbot/sandbox/wiki.py), in the "bot"
// group, with no password of its own.
//
// The bot logs in only with a BotPassword, whose secret createBotPassword.php
// makes up and prints; createAndPromote.php would take the account's own
// password as a command-line argument, which every process on the machine
// can read. No secret goes through a process's arguments this way.
//
// Usage: MW_INSTALL_PATH=/usr/share/mediawiki php botaccount.php NAME

require_once getenv( 'MW_INSTALL_PATH' ) . '/maintenance/Maintenance.php';

use MediaWiki\Auth\AuthManager;
use MediaWiki\MediaWikiServices;

class BotAccount extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->addDescription( 'Create an account without a password, in the bot group' );
		$this->addArg( 'name', 'The account\'s user name' );
	}

	public function execute() {
		$services = MediaWikiServices::getInstance();
		$user = $services->getUserFactory()->newFromName( $this->getArg( 0 ) );
		if ( !$user ) {
			$this->fatalError( 'invalid user name' );
		}
		if ( $user->idForName() === 0 ) {
			// Through AuthManager, as createAndPromote.php does, for its side effects.
			$status = $services->getAuthManager()->autoCreateUser(
				$user, AuthManager::AUTOCREATE_SOURCE_MAINT, false );
			if ( !$status->isGood() ) {
				$this->fatalError( $status->getMessage( false, false, 'en' )->text() );
			}
		}
		$services->getUserGroupManager()->addUserToGroup( $user, 'bot' );
		$this->output( "{$user->getName()}: in the bot group\n" );
	}
}

$maintClass = BotAccount::class;
require_once RUN_MAINTENANCE_IF_MAIN;
