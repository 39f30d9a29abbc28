/* placeholder */ int placeholder_manager(void); int placeholder_manager(void) { return 0; }
