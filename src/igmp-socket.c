/* placeholder */ int placeholder_igmp_socket(void); int placeholder_igmp_socket(void) { return 0; }
