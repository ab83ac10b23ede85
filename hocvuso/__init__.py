"""hocvuso: the backend of the Bình dân học vụ số course portal."""
