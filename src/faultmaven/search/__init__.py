"""Search over documents (runbooks): keyword indexes per database backend; vectors and hybrid
fusion slot in beside them (see DESIGN.md §4)."""
