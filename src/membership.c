/* placeholder */ int placeholder_membership(void); int placeholder_membership(void) { return 0; }
