#pragma once

#include "store/sql_connection.h"

namespace kafkaml::store {

//! Opens a transaction on construction; rolls it back unless commit() ran,
//! so a method that throws leaves nothing half done. Thread: its owner's,
//! under the store's mutex.
class Transaction {
public:
	explicit Transaction(SqlConnection &connection) : connection_(connection) { connection_.begin(); }
	~Transaction() {
		if (!done_) {
			connection_.rollback();
		}
	}
	Transaction(const Transaction &) = delete;
	Transaction &operator=(const Transaction &) = delete;
	void commit() {
		done_ = true;
		connection_.commit();
	}

private:
	SqlConnection &connection_;
	bool done_ = false;
};

} // namespace kafkaml::store
