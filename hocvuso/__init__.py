"""hocvuso: the backend of the Bình dân học vụ số course portal."""

PROVINCE_CODE = "51"  # Quảng Ngãi's national province code
