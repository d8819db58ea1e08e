"""`livegen train all`: a performer's own loops to a fine-tuned model package (torch)."""
