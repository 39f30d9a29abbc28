/* placeholder */ int placeholder_mroute(void); int placeholder_mroute(void) { return 0; }
