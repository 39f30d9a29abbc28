/* placeholder */ int placeholder_proxy(void); int placeholder_proxy(void) { return 0; }
