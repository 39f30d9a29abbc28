/* placeholder */ int placeholder_config(void); int placeholder_config(void) { return 0; }
