"""Control: OSC address space, commands and session state; knows no sockets."""
