/* placeholder */ int placeholder_log(void); int placeholder_log(void) { return 0; }
